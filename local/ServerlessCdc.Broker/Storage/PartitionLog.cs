using System.Buffers;
using System.Globalization;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Storage;

/// <summary>The outcome of appending one partition's records.</summary>
/// <remarks>
/// <paramref name="Durable"/>, when set, completes once the appended data is fsynced; an acks=all response
/// must not be sent before.
/// </remarks>
public readonly record struct AppendResult(ErrorCode Error, long BaseOffset, long LogStartOffset, string? Message = null,
    long LogAppendTime = -1, Task? Durable = null);

/// <summary>
/// The log of one partition: ordered segments, offsets assigned on append, reads by offset and by time,
/// retention. One lock serialises appends, reads and retention; reads are short positional reads from the
/// page cache, so contention stays low next to the network cost.
/// </summary>
public sealed class PartitionLog : IDisposable
{
    private readonly object _lock = new();
    private readonly List<Segment> _segments = [];
    private readonly ProducerState _producers = new();
    private readonly Func<TopicConfig> _config;
    private readonly FlushPolicy _flushPolicy;
    private readonly AppendSignal _signal;
    private readonly GroupFlusher? _flusher;
    private bool _disposed;

    /// <param name="flusher">Group commit for acks=all under <see cref="FlushPolicy.AcksAll"/>; without it each such append fsyncs inline.</param>
    public PartitionLog(string topic, int partition, string directory, Func<TopicConfig> config, FlushPolicy flushPolicy,
        AppendSignal signal, Action<string> log, GroupFlusher? flusher = null)
    {
        _flusher = flusher;
        Topic = topic;
        Partition = partition;
        Directory = directory;
        _config = config;
        _flushPolicy = flushPolicy;
        _signal = signal;
        System.IO.Directory.CreateDirectory(directory);
        // Segment files are named by their 20-digit base offset; anything else in the directory is not ours.
        var bases = System.IO.Directory.GetFiles(directory, "*.log")
            .Select(f => long.TryParse(System.IO.Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : -1)
            .Where(b => b >= 0)
            .Order()
            .ToList();
        for (var i = 0; i < bases.Count; i++)
        {
            var segment = Segment.Open(directory, bases[i], isActive: i == bases.Count - 1, log, _producers.Update);
            if (i + 1 < bases.Count)
            {
                segment.NextOffset = bases[i + 1];
            }

            _segments.Add(segment);
        }

        if (_segments.Count == 0)
        {
            _segments.Add(Segment.Create(directory, 0));
        }
    }

    public string Topic { get; }

    public int Partition { get; }

    public string Directory { get; }

    public long MaxProducerId
    {
        get
        {
            lock (_lock)
            {
                return _producers.MaxProducerId;
            }
        }
    }

    public long LogStartOffset
    {
        get
        {
            lock (_lock)
            {
                return _segments[0].BaseOffset;
            }
        }
    }

    /// <summary>Single node: everything appended is committed, so the high watermark is the log end.</summary>
    public long HighWatermark
    {
        get
        {
            lock (_lock)
            {
                return _segments[^1].NextOffset;
            }
        }
    }

    /// <summary>One past the last offset known to be on disk (fsynced).</summary>
    public long DurableEndOffset
    {
        get
        {
            lock (_lock)
            {
                return _segments.Max(s => s.DurableNextOffset);
            }
        }
    }

    public long SizeInBytes
    {
        get
        {
            lock (_lock)
            {
                return _segments.Sum(s => s.Size);
            }
        }
    }

    public int SegmentCount
    {
        get
        {
            lock (_lock)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>
    /// Validates every batch (magic, length, CRC-32C, producer sequence) before appending any, so a
    /// request is applied whole or not at all; then assigns offsets by rewriting each base offset.
    /// </summary>
    public AppendResult Append(Memory<byte> records, short acks)
    {
        var config = _config();
        var batches = new List<(int Start, RecordBatch Header)>();
        var span = records.Span;
        for (var position = 0; position < span.Length;)
        {
            var error = RecordBatch.Validate(span[position..], out var header);
            if (error != ErrorCode.None)
            {
                return new AppendResult(error, -1, -1, error == ErrorCode.CorruptMessage ? "batch failed CRC-32C or length check" : null);
            }

            if (header.TotalSize > config.MaxMessageBytes)
            {
                return new AppendResult(ErrorCode.MessageTooLarge, -1, -1);
            }

            batches.Add((position, header));
            position += header.TotalSize;
        }

        if (batches.Count == 0)
        {
            return new AppendResult(ErrorCode.CorruptMessage, -1, -1, "no record batch");
        }

        var logAppendTime = config.Get(TopicConfig.TimestampTypeKey) == "LogAppendTime" ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : -1;
        lock (_lock)
        {
            if (_disposed)
            {
                // The topic was deleted while this request was on its way.
                return new AppendResult(ErrorCode.UnknownTopicOrPartition, -1, -1);
            }

            long firstOffset = -1;
            foreach (var (start, header) in batches)
            {
                var sequenceCheck = _producers.Check(header, out var duplicateOffset);
                if (sequenceCheck == ErrorCode.DuplicateSequenceNumber)
                {
                    // A retry of a batch we already hold: acknowledge it with its original offset.
                    firstOffset = firstOffset < 0 ? duplicateOffset : firstOffset;
                    continue;
                }

                if (sequenceCheck != ErrorCode.None)
                {
                    return new AppendResult(sequenceCheck, -1, _segments[0].BaseOffset);
                }

                var active = _segments[^1];
                if (active.Size > 0 && (active.Size + header.TotalSize > config.SegmentBytes ||
                                        DateTime.UtcNow - active.OpenedUtc > TimeSpan.FromMilliseconds(config.SegmentMs)))
                {
                    active = Roll();
                }

                var baseOffset = active.NextOffset;
                var bytes = records.Span.Slice(start, header.TotalSize);
                RecordBatch.WriteBaseOffset(bytes, baseOffset);
                var assigned = header with { BaseOffset = baseOffset };
                if (logAppendTime >= 0)
                {
                    assigned = RecordBatch.StampLogAppendTime(bytes, assigned, logAppendTime);
                }

                active.Append(bytes, assigned);
                _producers.Update(assigned);
                firstOffset = firstOffset < 0 ? baseOffset : firstOffset;
            }

            // Registered even when every batch was a duplicate: the original may still be waiting for its fsync.
            Task? durable = null;
            if (_flushPolicy == FlushPolicy.AcksAll && acks == -1 && _flusher is not null)
            {
                // A roll above flushed the earlier segments whole, so only the active one can hold unsynced data.
                durable = _flusher.Enqueue(_segments[^1], _segments[^1].NextOffset);
            }
            else if (_flushPolicy == FlushPolicy.Always || (_flushPolicy == FlushPolicy.AcksAll && acks == -1))
            {
                _segments[^1].Flush();
            }

            _signal.Notify();
            return new AppendResult(ErrorCode.None, firstOffset, _segments[0].BaseOffset, LogAppendTime: logAppendTime, Durable: durable);
        }
    }

    private Segment Roll()
    {
        var old = _segments[^1];
        old.Flush();
        var next = Segment.Create(Directory, old.NextOffset);
        _segments.Add(next);
        return next;
    }

    /// <summary>
    /// Copies whole batches starting at the one holding <paramref name="offset"/> into <paramref name="writer"/>
    /// as a "records" field, up to <paramref name="maxBytes"/> but always at least one batch (KIP-74) so a
    /// large batch can never stall a consumer. Returns the bytes written or an error.
    /// </summary>
    public ErrorCode ReadInto(KafkaWriter writer, long offset, int maxBytes, out int bytesWritten, out long highWatermark,
        out long logStartOffset)
    {
        bytesWritten = 0;
        highWatermark = -1;
        logStartOffset = -1;
        lock (_lock)
        {
            if (_disposed)
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            var end = _segments[^1].NextOffset;
            highWatermark = end;
            logStartOffset = _segments[0].BaseOffset;
            if (offset < _segments[0].BaseOffset || offset > end)
            {
                return ErrorCode.OffsetOutOfRange;
            }

            if (offset == end || maxBytes <= 0)
            {
                writer.WriteInt32(0);
                return ErrorCode.None;
            }

            foreach (var segment in SegmentsFrom(offset))
            {
                if (segment.FindBatch(offset) is not { } found)
                {
                    continue;
                }

                var available = segment.Size - found.Position;
                var length = (int)Math.Min(available, Math.Max(maxBytes, found.Batch.TotalSize));
                var lengthAt = writer.ReserveInt32();
                var destination = writer.GetSpan(length);
                var read = segment.Read(destination, found.Position);
                var whole = WholeBatches(destination[..read]);
                writer.Advance(whole);
                writer.PatchInt32(lengthAt, whole);
                bytesWritten = whole;
                return ErrorCode.None;
            }

            writer.WriteInt32(0);
            return ErrorCode.None;
        }
    }

    private IEnumerable<Segment> SegmentsFrom(long offset)
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            if (_segments[i].BaseOffset <= offset)
            {
                for (var j = i; j < _segments.Count; j++)
                {
                    yield return _segments[j];
                }

                yield break;
            }
        }
    }

    private static int WholeBatches(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (position + RecordBatch.LogOverhead <= data.Length)
        {
            var size = RecordBatch.LogOverhead + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[(position + 8)..]);
            if (position + size > data.Length)
            {
                break;
            }

            position += size;
        }

        return position;
    }

    /// <summary>
    /// The earliest offset whose record timestamp is at or after <paramref name="timestamp"/> (ListOffsets),
    /// with that record's timestamp; null when every record is older.
    /// </summary>
    public (long Offset, long Timestamp)? OffsetForTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp < timestamp || segment.FindBatchByTime(timestamp) is not { } found)
                {
                    continue;
                }

                return ExactRecord(segment, found.Position, found.Batch, timestamp);
            }

            return null;
        }
    }

    /// <summary>
    /// Within an uncompressed batch, walks the records to the first one at the timestamp; a compressed
    /// batch is answered with its base offset, since the consumer decompresses the whole batch anyway.
    /// </summary>
    private static (long Offset, long Timestamp) ExactRecord(Segment segment, long position, RecordBatch batch, long timestamp)
    {
        var batchTimestamp = batch.Timestamp;
        if ((batch.Attributes & 0x07) != 0 || batch.IsLogAppendTime)
        {
            return (batch.BaseOffset, batchTimestamp);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(batch.TotalSize);
        try
        {
            var span = buffer.AsSpan(0, batch.TotalSize);
            if (segment.Read(span, position) < span.Length)
            {
                return (batch.BaseOffset, batchTimestamp);
            }

            ReadOnlySpan<byte> records = span[RecordBatch.HeaderSize..];
            for (var i = 0; i < batch.RecordCount && records.Length > 0; i++)
            {
                var length = (int)Varint.ReadSigned(ref records);
                var record = records[..length];
                records = records[length..];
                record = record[1..]; // attributes
                var timestampDelta = Varint.ReadSigned(ref record);
                var offsetDelta = Varint.ReadSigned(ref record);
                if (batch.BaseTimestamp + timestampDelta >= timestamp)
                {
                    return (batch.BaseOffset + offsetDelta, batch.BaseTimestamp + timestampDelta);
                }
            }

            return (batch.BaseOffset, batchTimestamp);
        }
        catch (ArgumentOutOfRangeException)
        {
            return (batch.BaseOffset, batchTimestamp);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Deletes whole segments that are past retention.ms (by their newest timestamp) or that push the
    /// partition over retention.bytes; an empty active segment always remains to take the next append.
    /// Returns the number of segments removed.
    /// </summary>
    public int ApplyRetention(DateTimeOffset now)
    {
        var config = _config();
        var removed = 0;
        lock (_lock)
        {
            if (_disposed)
            {
                return 0;
            }

            // An active segment whose newest record is already past retention is rolled so it can go too;
            // otherwise a quiet topic would keep its last segment forever.
            var cutoff = now.ToUnixTimeMilliseconds() - config.RetentionMs;
            var active = _segments[^1];
            if (config.RetentionMs >= 0 && active.Size > 0 && active.MaxTimestamp >= 0 && active.MaxTimestamp < cutoff)
            {
                Roll();
            }

            var total = _segments.Sum(s => s.Size);
            while (_segments.Count > 1)
            {
                var oldest = _segments[0];
                var newest = oldest.MaxTimestamp >= 0 ? oldest.MaxTimestamp : new DateTimeOffset(oldest.LastWriteUtc).ToUnixTimeMilliseconds();
                var expired = config.RetentionMs >= 0 && newest < cutoff;
                var oversized = config.RetentionBytes >= 0 && total - oldest.Size >= config.RetentionBytes;
                if (!expired && !oversized)
                {
                    break;
                }

                total -= oldest.Size;
                _segments.RemoveAt(0);
                oldest.Delete();
                removed++;
            }
        }

        return removed;
    }

    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _segments[^1].Flush();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var segment in _segments)
            {
                segment.Flush();
                segment.Dispose();
            }
        }
    }
}
