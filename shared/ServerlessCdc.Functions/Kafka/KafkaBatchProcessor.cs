using System.Globalization;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs the function over fetched records: a batch (or, unbatched, each record) with the function's retry
/// strategy; a batch that still fails is split in halves, in order, until the failing record stands alone and,
/// after its own retries, is dead-lettered. Good records around it are processed, the partition moves on.
/// </summary>
internal sealed class KafkaBatchProcessor(
    FunctionDescriptor function,
    bool batched,
    FunctionExecutor executor,
    KafkaDeadLetterSink deadLetters)
{
    // FunctionExecutor starts no retry once this is signalled: the halves of a failed batch run once each, so
    // that isolating a bad record costs one attempt per halving, not a full retry schedule per halving.
    private static readonly CancellationToken NoRetries = new(canceled: true);

    public bool IsBatched => batched;

    /// <summary>
    /// Starts readying a batch for its invocation (<see cref="IFunctionDispatcher.PrepareInput"/>) on the thread pool: the
    /// consumer does so as it hands the batch over, so that it runs beside the batch before it. Null when unbatched.
    /// </summary>
    public Task<object?>? Prepare(KafkaRecord[] records) =>
        batched ? Task.Run(() => executor.PrepareInput(function, records)) : null;

    /// <summary>
    /// True when every record was processed or dead-lettered, so the batch may be committed; false when the
    /// host stopped first, so that none of it is committed and all of it comes again.
    /// </summary>
    /// <param name="prepared">What <see cref="Prepare"/> started for these same records, if anything.</param>
    public async Task<bool> ProcessAsync(KafkaRecord[] records, Task<object?>? prepared, CancellationToken invocation, CancellationToken stopping)
    {
        if (batched)
        {
            return await RunOrBisectAsync(records, await InputAsync(records, prepared).ConfigureAwait(false), retry: true, invocation, stopping)
                .ConfigureAwait(false);
        }

        foreach (var record in records)
        {
            if (!await RunOrBisectAsync([record], record, retry: true, invocation, stopping).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<object?> InputAsync(KafkaRecord[] records, Task<object?>? prepared)
    {
        if (prepared is null)
        {
            return records;
        }

        try
        {
            return await prepared.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The records themselves go to the invocation, which readies them again and fails the same way: the failure is
            // then the invocation's, logged, retried and bisected as any other.
            return records;
        }
    }

    /// <param name="records">The records, in fetch order.</param>
    /// <param name="input">Their trigger value: the records, one record, or what the dispatcher prepared of them.</param>
    /// <param name="retry">Whether a failure is retried; a single record always is, before it is dead-lettered.</param>
    /// <param name="invocation">Cancels a running invocation (the host stops and the shutdown timeout passed).</param>
    /// <param name="stopping">The host stops: no retry, no dead letter, nothing committed.</param>
    private async Task<bool> RunOrBisectAsync(KafkaRecord[] records, object? input, bool retry, CancellationToken invocation, CancellationToken stopping)
    {
        var stopRetries = retry || records.Length == 1 ? stopping : NoRetries;
        var result = await executor.ExecuteAsync(function, input, Reason(records), invocation, stopRetries).ConfigureAwait(false);
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
        KafkaRecord[] first = records[..half], second = records[half..];
        return await RunOrBisectAsync(first, Input(first), retry: false, invocation, stopping).ConfigureAwait(false)
            && await RunOrBisectAsync(second, Input(second), retry: false, invocation, stopping).ConfigureAwait(false);
    }

    private object Input(KafkaRecord[] records) => batched ? records : records[0];

    private static string Reason(KafkaRecord[] records)
    {
        var first = records[0];
        return records.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"New Kafka record {first.Topic}[{first.Partition}]@{first.Offset}")
            : string.Create(CultureInfo.InvariantCulture, $"New Kafka batch of {records.Length} records from {first.Topic}");
    }
}
