using Npgsql;
using NpgsqlTypes;

namespace ServerlessCdc.Postgres.Streaming;

/// <summary>
/// Writes unusable records to a table in the same transaction as the batch's other effects, so a poison record is
/// set aside exactly once and its partition goes on.
/// </summary>
/// <remarks>
/// The table (created by the app's migrations) is <c>(topic text, partition integer, "offset" bigint, key bytea,
/// value bytea, reason text NOT NULL, dead_lettered_at timestamptz NOT NULL DEFAULT now(),
/// PRIMARY KEY (topic, partition, "offset"))</c>.
/// </remarks>
public sealed class DeadLetterTable
{
    private readonly string _insert;

    /// <param name="table">The dead-letter table, e.g. <c>anomaly_agent.dead_letters</c>.</param>
    public DeadLetterTable(string table)
    {
        Table = SqlIdentifier.Table(table, nameof(table));
        _insert = $"""
            INSERT INTO {Table} (topic, partition, "offset", key, value, reason)
            SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bytea[], $5::bytea[], $6::text[])
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            """;
    }

    public string Table { get; }

    /// <summary>One statement inserting all the letters, for the caller's write batch; null when there are none.</summary>
    public NpgsqlBatchCommand? InsertCommand(IReadOnlyCollection<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(_insert);
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Topic).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Partition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Offset).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = letters.Select(l => l.Reason).ToArray() });
        return command;
    }
}
