using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessCdc.AnomalyAgent;

/// <summary>
/// A flagged transaction. The id is the agent's name and the transaction id, so a transaction judged again (a
/// replay, a redelivery, a second instance) can only ever make the same alert, which consumers deduplicate on.
/// </summary>
public sealed record AnomalyAlert(
    long UserId,
    long TransactionId,
    decimal Amount,
    decimal Average,
    DateTime? CreatedAt,
    string Topic,
    int Partition,
    long Offset)
{
    public const string Agent = "anomaly-agent";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string AlertId => $"{Agent}:{TransactionId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The seed's line, amounts as Python prints a float.</summary>
    public string Text => $"ANOMALY DETECTED: User {UserId.ToString(CultureInfo.InvariantCulture)} spent ${PythonFloat(Amount)} (Significantly higher than average)";

    /// <summary>The message published on the alerts topic.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            AlertId,
            Agent,
            Rule = "amount > 3 x average of the last 50 and > 500",
            UserId,
            TransactionId,
            Amount,
            Average,
            CreatedAt = CreatedAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : (DateTime?)null,
            Source = new { Topic, Partition, Offset },
            Text,
        },
        Json);

    public static string PythonFloat(decimal amount) => amount.ToString("0.0#########", CultureInfo.InvariantCulture);
}
