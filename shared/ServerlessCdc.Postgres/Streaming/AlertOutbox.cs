using Npgsql;

namespace ServerlessCdc.Postgres.Streaming;

/// <summary>One alert waiting to be published: its stable id (the message key) and its JSON message.</summary>
public sealed record OutboxMessage(long Sequence, string Id, string Message);

/// <summary>
/// The transactional outbox: alerts are inserted with the batch that detected them and published afterwards, so an
/// alert reaches the topic if and only if its batch committed. Publishing is at least once; the stable id lets
/// consumers drop repeats.
/// </summary>
/// <remarks>
/// The table needs <c>sequence bigint</c> (insertion order), <c>alert_id text</c>, <c>message json(b)/text</c> and
/// <c>published_at timestamptz</c> (null until published); an index on <c>(sequence) WHERE published_at IS NULL</c>
/// keeps the claim cheap.
/// </remarks>
public sealed class AlertOutbox
{
    private readonly string _claim;
    private readonly string _markPublished;

    public AlertOutbox(string table)
    {
        Table = SqlIdentifier.Table(table, nameof(table));

        // SKIP LOCKED lets a second publisher take the next alerts instead of waiting; order holds within a claim.
        _claim = $"""
            SELECT sequence, alert_id, message::text FROM {Table}
            WHERE published_at IS NULL ORDER BY sequence LIMIT $1 FOR UPDATE SKIP LOCKED
            """;
        _markPublished = $"UPDATE {Table} SET published_at = now() WHERE sequence = ANY($1)";
    }

    public string Table { get; }

    /// <summary>
    /// Publishes up to <paramref name="limit"/> unpublished alerts with <paramref name="publish"/> (which must
    /// return only once they are durably on the topic) and marks them, in one transaction. Returns how many.
    /// </summary>
    public async Task<int> PublishAsync(
        NpgsqlDataSource dataSource,
        int limit,
        Func<IReadOnlyList<OutboxMessage>, CancellationToken, Task> publish,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(publish);
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);

        var claimed = new List<OutboxMessage>();
        await using (var claim = new NpgsqlCommand(_claim, connection, transaction))
        {
            claim.Parameters.AddWithValue(limit);
            await using var reader = await claim.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                claimed.Add(new OutboxMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (claimed.Count == 0)
        {
            return 0;
        }

        await publish(claimed, cancellation);

        await using (var mark = new NpgsqlCommand(_markPublished, connection, transaction))
        {
            mark.Parameters.AddWithValue(claimed.Select(m => m.Sequence).ToArray());
            await mark.ExecuteNonQueryAsync(cancellation);
        }

        await transaction.CommitAsync(cancellation);
        return claimed.Count;
    }
}
