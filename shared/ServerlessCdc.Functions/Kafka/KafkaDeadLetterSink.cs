using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using ServerlessCdc.Kafka;

namespace ServerlessCdc.Functions;

/// <summary>
/// Where a record goes once the function gave up on it: the dead-letter table (when the host has storage)
/// and the dead-letter topic, which keeps the record's key, value and headers and adds where it came from
/// and why it failed. Keeps trying until both took it, so that a dead letter is never lost on the way.
/// </summary>
internal sealed partial class KafkaDeadLetterSink(
    string functionName,
    string deadLetterTopic,
    IProducer<byte[], byte[]> producer,
    KafkaDeadLetterTable? table,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    public const string ErrorHeader = "deadletter.error";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    public string Topic => deadLetterTopic;

    /// <summary>The producer's client handle, for metadata requests that need no connection of their own.</summary>
    public Handle Handle => producer.Handle;

    public async Task SendAsync(KafkaRecord record, Exception failure, CancellationToken cancellationToken)
    {
        var error = $"{failure.GetType().FullName}: {failure.Message}";
        var failedAt = time.GetUtcNow();
        LogDeadLettering(logger, failure, functionName, record.Topic, record.Partition, record.Offset, deadLetterTopic);
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var tableDone = table is null; ;)
        {
            try
            {
                if (!tableDone)
                {
                    await table!.AddAsync(functionName, record, failure.ToString(), failedAt, cancellationToken).ConfigureAwait(false);
                    tableDone = true;
                }

                await producer.ProduceAsync(deadLetterTopic, ToMessage(record, error, failedAt), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogSendFailed(logger, exception, functionName, record.Topic, record.Partition, record.Offset, backoff);
            }

            await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
            backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
        }
    }

    // Briefly: each send is awaited until acknowledged before its batch commits, so nothing a commit relies on is queued.
    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(1));
        producer.Dispose();
    }

    private Message<byte[], byte[]> ToMessage(KafkaRecord record, string error, DateTimeOffset failedAt)
    {
        var headers = new Headers();
        foreach (var header in record.Headers)
        {
            headers.Add(header.Key, header.Value);
        }

        headers.Add("deadletter.function", Utf8(functionName));
        headers.Add("deadletter.topic", Utf8(record.Topic));
        headers.Add("deadletter.partition", Utf8(record.Partition.ToString(CultureInfo.InvariantCulture)));
        headers.Add("deadletter.offset", Utf8(record.Offset.ToString(CultureInfo.InvariantCulture)));
        headers.Add(ErrorHeader, Utf8(error));
        headers.Add("deadletter.time", Utf8(failedAt.ToString("o", CultureInfo.InvariantCulture)));
        return new Message<byte[], byte[]>
        {
            Key = record.Key!,
            Value = record.Value!,
            Headers = headers,
            Timestamp = new Timestamp(record.Timestamp),
        };
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function 'Functions.{FunctionName}' gave up on {Topic}[{Partition}]@{Offset}; dead-lettering it to '{DeadLetterTopic}'.")]
    private static partial void LogDeadLettering(ILogger logger, Exception exception, string functionName, string topic, int partition, long offset, string deadLetterTopic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function 'Functions.{FunctionName}': dead-lettering {Topic}[{Partition}]@{Offset} failed; trying again in {Backoff}.")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string functionName, string topic, int partition, long offset, TimeSpan backoff);
}
