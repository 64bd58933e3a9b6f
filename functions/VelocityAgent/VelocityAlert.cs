using System.Globalization;
using System.Text.Json;

namespace ServerlessCdc.VelocityAgent;

/// <summary>
/// A transaction scored above 70. The id is the agent's name and the transaction id, so a transaction scored again (a
/// replay, a redelivery, a second instance) can only ever make the same alert, which consumers deduplicate on.
/// </summary>
public sealed record VelocityAlert(
    long UserId,
    long TransactionId,
    decimal Amount,
    int Score,
    int Velocity,
    DateTime CreatedAt,
    string Topic,
    int Partition,
    long Offset)
{
    public const string Agent = "velocity-agent";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string AlertId => $"{Agent}:{TransactionId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The seed's line, the amount as Python prints a float.</summary>
    public string Text => $"HIGH FRAUD ALERT: User {UserId.ToString(CultureInfo.InvariantCulture)} | Score: {Score.ToString(CultureInfo.InvariantCulture)} | Amt: {PythonFloat(Amount)}";

    /// <summary>The message published on the alerts topic.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            AlertId,
            Agent,
            Rule = "score > 70: +40 for more than 5 transactions in 60 s, +50 for an amount over 4000",
            UserId,
            TransactionId,
            Amount,
            Score,
            Velocity,
            CreatedAt = DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc),
            Source = new { Topic, Partition, Offset },
            Text,
        },
        Json);

    public static string PythonFloat(decimal amount) => amount.ToString("0.0#########", CultureInfo.InvariantCulture);
}
