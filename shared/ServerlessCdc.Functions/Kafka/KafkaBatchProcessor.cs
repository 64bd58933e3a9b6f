using System.Globalization;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs the function over fetched records: a batch (or, unbatched, each record) with the function's retry
/// strategy; a batch that still fails is split in halves, in order, until the failing record stands alone and,
/// after its own retries, is dead-lettered. Good records around it are processed, the partition moves on.
/// </summary>
internal sealed class KafkaBatchProcessor(
    FunctionDescriptor function,
    KafkaParameterShape shape,
    FunctionExecutor executor,
    KafkaDeadLetterSink deadLetters)
{
    // FunctionExecutor starts no retry once this is signalled: the halves of a failed batch run once each, so
    // that isolating a bad record costs one attempt per halving, not a full retry schedule per halving.
    private static readonly CancellationToken NoRetries = new(canceled: true);

    /// <summary>
    /// True when every record was processed or dead-lettered, so the batch may be committed; false when the
    /// host stopped first, so that none of it is committed and all of it comes again.
    /// </summary>
    public async Task<bool> ProcessAsync(KafkaRecord[] records, CancellationToken invocation, CancellationToken stopping)
    {
        if (shape.IsBatched)
        {
            return await RunOrBisectAsync(records, retry: true, invocation, stopping).ConfigureAwait(false);
        }

        foreach (var record in records)
        {
            if (!await RunOrBisectAsync([record], retry: true, invocation, stopping).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <param name="records">The records, in fetch order.</param>
    /// <param name="retry">Whether a failure is retried; a single record always is, before it is dead-lettered.</param>
    /// <param name="invocation">Cancels a running invocation (the host stops and the shutdown timeout passed).</param>
    /// <param name="stopping">The host stops: no retry, no dead letter, nothing committed.</param>
    private async Task<bool> RunOrBisectAsync(KafkaRecord[] records, bool retry, CancellationToken invocation, CancellationToken stopping)
    {
        var stopRetries = retry || records.Length == 1 ? stopping : NoRetries;
        var result = await executor.ExecuteAsync(function, shape.Bind(records), Reason(records), invocation, stopRetries).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return true;
        }

        // A failure while stopping may be the cancellation itself: never dead-letter on its account.
        if (stopping.IsCancellationRequested || invocation.IsCancellationRequested)
        {
            return false;
        }

        if (records.Length == 1)
        {
            await deadLetters.SendAsync(records[0], result.Exception!, stopping).ConfigureAwait(false);
            return true;
        }

        var half = records.Length / 2;
        return await RunOrBisectAsync(records[..half], retry: false, invocation, stopping).ConfigureAwait(false)
            && await RunOrBisectAsync(records[half..], retry: false, invocation, stopping).ConfigureAwait(false);
    }

    private static string Reason(KafkaRecord[] records)
    {
        var first = records[0];
        return records.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"New Kafka record {first.Topic}[{first.Partition}]@{first.Offset}")
            : string.Create(CultureInfo.InvariantCulture, $"New Kafka batch of {records.Length} records from {first.Topic}");
    }
}
