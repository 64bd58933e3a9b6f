using System.Globalization;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Runs the function over fetched records: a batch (or, unbatched, each record) with the function's retry
/// strategy; a batch that still fails is split in halves, in order, until the failing record stands alone and,
/// after its own retries, is dead-lettered. Good records around it are processed, the partition moves on.
/// </summary>
internal sealed partial class KafkaBatchProcessor(
    FunctionDescriptor function,
    KafkaParameterShape shape,
    FunctionExecutor executor,
    KafkaDeadLetterSink deadLetters,
    ILogger logger)
{
    // FunctionExecutor starts no retry once this is signalled: the halves of a failed batch run once each, so
    // that isolating a bad record costs one attempt per halving, not a full retry schedule per halving.
    private static readonly CancellationToken NoRetries = new(canceled: true);

    /// <summary>
    /// Starts converting a batch for its invocation, on the thread pool, when the parameter has a converter: the
    /// consumer does so as it hands the batch over, so that conversion runs beside the batch before it. Null otherwise.
    /// </summary>
    public Task<Binding>? Prepare(KafkaRecord[] records) =>
        shape.IsBatched && shape.Converts ? Task.Run(() => BindAsync(records).AsTask()) : null;

    /// <summary>
    /// True when every record was processed or dead-lettered, so the batch may be committed; false when the
    /// host stopped first, so that none of it is committed and all of it comes again.
    /// </summary>
    /// <param name="prepared">What <see cref="Prepare"/> started for these same records, if anything.</param>
    public async Task<bool> ProcessAsync(KafkaRecord[] records, Task<Binding>? prepared, CancellationToken invocation, CancellationToken stopping)
    {
        if (shape.IsBatched)
        {
            var binding = prepared is null ? await BindAsync(records).ConfigureAwait(false) : await prepared.ConfigureAwait(false);
            return await RunOrBisectAsync(records, binding, retry: true, invocation, stopping).ConfigureAwait(false);
        }

        foreach (var record in records)
        {
            KafkaRecord[] one = [record];
            if (!await RunOrBisectAsync(one, await BindAsync(one).ConfigureAwait(false), retry: true, invocation, stopping).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <param name="records">The records, in fetch order.</param>
    /// <param name="binding">Their trigger value, or why there is none.</param>
    /// <param name="retry">Whether a failure is retried; a single record always is, before it is dead-lettered.</param>
    /// <param name="invocation">Cancels a running invocation (the host stops and the shutdown timeout passed).</param>
    /// <param name="stopping">The host stops: no retry, no dead letter, nothing committed.</param>
    private async Task<bool> RunOrBisectAsync(KafkaRecord[] records, Binding binding, bool retry, CancellationToken invocation, CancellationToken stopping)
    {
        Exception failure;
        if (binding.Failure is { } conversion)
        {
            // Conversion is deterministic: no retry, straight to isolating the record that cannot be converted.
            LogConversionFailed(logger, function.Name, records.Length, conversion.Message);
            failure = conversion;
        }
        else
        {
            var stopRetries = retry || records.Length == 1 ? stopping : NoRetries;
            var result = await executor.ExecuteAsync(function, binding.Value, Reason(records), invocation, stopRetries).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return true;
            }

            failure = result.Exception!;
        }

        // A failure while stopping may be the cancellation itself: never dead-letter on its account.
        if (stopping.IsCancellationRequested || invocation.IsCancellationRequested)
        {
            return false;
        }

        if (records.Length == 1)
        {
            await deadLetters.SendAsync(records[0], failure, stopping).ConfigureAwait(false);
            return true;
        }

        var half = records.Length / 2;
        KafkaRecord[] first = records[..half], second = records[half..];
        return await RunOrBisectAsync(first, await BindAsync(first).ConfigureAwait(false), retry: false, invocation, stopping).ConfigureAwait(false)
            && await RunOrBisectAsync(second, await BindAsync(second).ConfigureAwait(false), retry: false, invocation, stopping).ConfigureAwait(false);
    }

    private async ValueTask<Binding> BindAsync(KafkaRecord[] records)
    {
        try
        {
            return new Binding(await shape.BindAsync(records).ConfigureAwait(false), null);
        }
        catch (KafkaConversionException exception)
        {
            return new Binding(null, exception);
        }
    }

    private static string Reason(KafkaRecord[] records)
    {
        var first = records[0];
        return records.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"New Kafka record {first.Topic}[{first.Partition}]@{first.Offset}")
            : string.Create(CultureInfo.InvariantCulture, $"New Kafka batch of {records.Length} records from {first.Topic}");
    }

    /// <summary>A batch's trigger value, or the conversion failure that left it without one.</summary>
    public readonly record struct Binding(object? Value, KafkaConversionException? Failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Functions.{FunctionName}: {Count} record(s) not invoked: {Reason}")]
    private static partial void LogConversionFailed(ILogger logger, string functionName, int count, string reason);
}
