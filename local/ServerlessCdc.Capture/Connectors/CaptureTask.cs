using System.Threading.Channels;
using Npgsql;
using Npgsql.Replication;
using NpgsqlTypes;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Kafka;
using ServerlessCdc.Capture.Pipeline;
using ServerlessCdc.Capture.Replication;
using ServerlessCdc.Capture.Snapshot;
using ServerlessCdc.Debezium.Writing;

namespace ServerlessCdc.Capture.Connectors;

/// <summary>
/// One run of a connector: publication and slot, the optional snapshot, then streaming until cancelled or failed.
/// Restarting is running a new one; everything durable lives in the slot and the <see cref="OffsetStore"/>.
/// </summary>
public sealed class CaptureTask(ConnectorConfig config, string connectionString, IRecordSink sink, OffsetStore offsets)
{
    private ChangeForwarder? _forwarder;

    private volatile bool _capturing;

    /// <summary>
    /// Set once the slot exists (created with its snapshot point, or found): from then on every committed change is kept
    /// for this connector, so the task may be reported RUNNING, as Debezium's task start returns only after this point.
    /// </summary>
    public bool Capturing => _capturing;

    /// <summary>Set once streaming has begun (after any snapshot).</summary>
    public bool Streaming { get; private set; }

    public long SnapshotRows { get; private set; }

    public long EventCount => _forwarder?.EventCount ?? 0;

    public ulong AcknowledgedLsn => _forwarder?.AcknowledgedLsn ?? 0;

    public async Task RunAsync(CancellationToken cancellation)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await SlotSetup.EnsurePublicationAsync(dataSource, config, cancellation);

        await using var replication = new LogicalReplicationConnection(connectionString)
        {
            WalReceiverStatusInterval = TimeSpan.FromMilliseconds(Math.Max(100, config.StatusUpdateIntervalMs)),
        };
        await replication.Open(cancellation);
        var slot = await SlotSetup.EnsureSlotAsync(dataSource, replication, config, cancellation);
        _capturing = true;
        if (!slot.Created)
        {
            await SlotSetup.WaitUntilFreeAsync(dataSource, config, cancellation);
        }

        var catalog = new RelationCatalog(dataSource, config);
        var queue = Channel.CreateBounded<CaptureItem>(new BoundedChannelOptions(config.MaxQueueSize) { SingleReader = true, SingleWriter = true });
        var debezium = config.ToDebeziumOptions();
        var transactions = config.ProvideTransactionMetadata ? new TransactionTracker(new TransactionMetadataWriter(debezium)) : null;
        _forwarder = new ChangeForwarder(sink, new ChangeEventWriter(debezium), config.MaxBatchSize, transactions);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        Task? streaming = null, heartbeat = null;
        var forwarding = _forwarder.RunAsync(queue.Reader, lsn => replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(lsn)), stop.Token);
        try
        {
            var stored = await offsets.ReadAsync(config.Name, cancellation);
            if (config.SnapshotMode != SnapshotMode.NoData && stored?.SnapshotCompleted != true)
            {
                var snapshot = new InitialSnapshot(dataSource, catalog, config);
                await snapshot.RunAsync(queue.Writer, slot.Created ? slot.SnapshotName : null, slot.ConsistentPoint, stop.Token);
                await DrainAsync(queue.Writer, forwarding, stop.Token);
                SnapshotRows = snapshot.RowCount;
                await offsets.WriteAsync(config.Name, new ConnectorOffsets(true, slot.ConsistentPoint), cancellation);
            }

            if (config.SnapshotMode == SnapshotMode.InitialOnly)
            {
                queue.Writer.Complete();
                await forwarding;
                await Task.Delay(Timeout.Infinite, cancellation);
                return;
            }

            Streaming = true;
            var reader = new PgOutputReader(replication, catalog, config);
            streaming = reader.RunAsync(queue.Writer, stop.Token);
            heartbeat = config.HeartbeatIntervalMs > 0
                ? HeartbeatAsync(replication, reader, queue.Reader, stop.Token)
                : Task.Delay(Timeout.Infinite, stop.Token);
            var first = await Task.WhenAny(streaming, forwarding, heartbeat);
            await first;
            throw new InvalidOperationException("The replication stream ended unexpectedly.");
        }
        finally
        {
            // Confirm while the stream is still open (a status update needs it), then let every loop finish before
            // the connection is disposed under them.
            if (streaming is { IsCompleted: false })
            {
                await ConfirmAsync(replication);
            }

            await stop.CancelAsync();
            await QuietlyAsync(streaming);
            await QuietlyAsync(heartbeat);
            await QuietlyAsync(forwarding);
        }
    }

    private static async Task DrainAsync(ChannelWriter<CaptureItem> queue, Task forwarding, CancellationToken cancellation)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.WriteAsync(CaptureItem.Drain(drained), cancellation);
        await Task.WhenAny(drained.Task, forwarding);
        if (forwarding.IsCompleted)
        {
            await forwarding;
        }
    }

    // With nothing of ours in flight, the slot may move up to whatever the server last told us, so WAL written by
    // other tables' traffic is not pinned by an idle captured table.
    private async Task HeartbeatAsync(
        LogicalReplicationConnection replication, PgOutputReader reader, ChannelReader<CaptureItem> queue, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(config.HeartbeatIntervalMs));
        while (await timer.WaitForNextTickAsync(cancellation))
        {
            await sink.WriteAsync([HeartbeatRecords.Create(config.TopicPrefix, config.HeartbeatTopicPrefix ?? "__debezium-heartbeat", DateTimeOffset.UtcNow, config.KeySchemasEnabled, config.ValueSchemasEnabled)], cancellation);
            var received = replication.LastReceivedLsn;
            if (!reader.InTransaction && queue.Count == 0 && !_forwarder!.Busy && (ulong)received > AcknowledgedLsn)
            {
                replication.SetReplicationStatus(received);
            }
        }
    }

    private static async Task QuietlyAsync(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task;
        }
        catch (Exception)
        {
            // Whatever it was, the first failure is already propagating; what matters is that every loop has ended
            // before the replication connection is disposed under it: Npgsql's dispose drives the stream's enumerator
            // itself, and a second MoveNextAsync racing ours crashed the process.
        }
    }

    private async Task ConfirmAsync(LogicalReplicationConnection replication)
    {
        if (AcknowledgedLsn == 0)
        {
            return;
        }

        try
        {
            replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(AcknowledgedLsn));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await replication.SendStatusUpdate(timeout.Token);
        }
        catch (Exception)
        {
            // The slot keeps the previous position: events may be sent again, none is lost. Whatever failed here, the
            // loops must still be stopped before the connection goes.
        }
    }
}
