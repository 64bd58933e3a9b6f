using System.Buffers;
using Microsoft.Win32.SafeHandles;
using ServerlessCdc.Broker.Protocol;

namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// One log segment: a file of RecordBatches back to back, named by its base offset, with its sparse
/// offset and time indexes. Appends and reads use positional I/O on one handle, so readers never disturb
/// the writer's position and need no seek.
/// </summary>
public sealed class Segment : IDisposable
{
    public const int IndexIntervalBytes = 4096;

    private readonly SafeFileHandle _handle;
    private long _bytesSinceIndexEntry;
    private long _durableNextOffset;

    private Segment(string directory, long baseOffset)
    {
        BaseOffset = baseOffset;
        var stem = System.IO.Path.Combine(directory, baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture));
        Path = stem + ".log";
        _handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        Index = new OffsetIndex(stem + ".index", baseOffset);
        TimeIndex = new TimeIndex(stem + ".timeindex", baseOffset);
        NextOffset = baseOffset;
        _durableNextOffset = baseOffset;
    }

    public long BaseOffset { get; }

    public string Path { get; }

    /// <summary>Bytes of whole batches; readers never look past it.</summary>
    public long Size { get; private set; }

    /// <summary>One past the last offset in this segment.</summary>
    public long NextOffset { get; set; }

    public long MaxTimestamp => TimeIndex.MaxTimestamp;

    public DateTime LastWriteUtc { get; private set; } = DateTime.UtcNow;

    /// <summary>
    /// When this process created or opened the segment: the start of its segment.ms age. (Kafka ages
    /// it from the first record; after a restart we count from the restart, which only rolls later.)
    /// </summary>
    public DateTime OpenedUtc { get; } = DateTime.UtcNow;

    public OffsetIndex Index { get; }

    public TimeIndex TimeIndex { get; }

    public static Segment Create(string directory, long baseOffset) => new(directory, baseOffset);

    /// <summary>
    /// Opens an existing segment. The active (last) one is scanned batch by batch with the CRC checked and
    /// truncated after the last whole, valid batch: that is where a crash mid-write leaves a torn tail.
    /// A closed segment loads its persisted indexes and is scanned only if they are missing.
    /// </summary>
    public static Segment Open(string directory, long baseOffset, bool isActive, Action<string> log, Action<RecordBatch> onBatch)
    {
        var segment = new Segment(directory, baseOffset);
        var length = RandomAccess.GetLength(segment._handle);
        segment.LastWriteUtc = File.GetLastWriteTimeUtc(segment.Path);
        if (!isActive && segment.Index.TryLoad(length) && segment.TimeIndex.TryLoad())
        {
            segment.Size = length;
            return segment;
        }

        segment.Recover(length, verifyCrc: isActive, log, onBatch);
        segment.MarkDurable(segment.NextOffset);
        return segment;
    }

    private void Recover(long length, bool verifyCrc, Action<string> log, Action<RecordBatch> onBatch)
    {
        var header = new byte[RecordBatch.HeaderSize];
        long position = 0;
        byte[]? batchBuffer = null;
        try
        {
            while (position + RecordBatch.HeaderSize <= length)
            {
                if (RandomAccess.Read(_handle, header, position) < RecordBatch.HeaderSize)
                {
                    break;
                }

                var batch = RecordBatch.ReadHeader(header);
                if (batch.Magic != 2 || batch.BatchLength < RecordBatch.HeaderSize - RecordBatch.LogOverhead ||
                    position + batch.TotalSize > length || batch.BaseOffset < NextOffset)
                {
                    break;
                }

                if (verifyCrc)
                {
                    if (batchBuffer is null || batchBuffer.Length < batch.TotalSize)
                    {
                        if (batchBuffer is not null)
                        {
                            ArrayPool<byte>.Shared.Return(batchBuffer);
                        }

                        batchBuffer = ArrayPool<byte>.Shared.Rent(batch.TotalSize);
                    }

                    var span = batchBuffer.AsSpan(0, batch.TotalSize);
                    if (RandomAccess.Read(_handle, span, position) < span.Length || !RecordBatch.CrcMatches(span, batch.Crc))
                    {
                        break;
                    }
                }

                Track(batch, position, persist: false);
                onBatch(batch);
                position += batch.TotalSize;
                Size = position;
            }
        }
        finally
        {
            if (batchBuffer is not null)
            {
                ArrayPool<byte>.Shared.Return(batchBuffer);
            }
        }

        if (position < length)
        {
            log($"{Path}: truncating torn tail at byte {position} of {length}");
            RandomAccess.SetLength(_handle, position);
        }

        Index.Rewrite();
        TimeIndex.Rewrite();
    }

    private void Track(RecordBatch batch, long position, bool persist)
    {
        if (Index.Count == 0 || _bytesSinceIndexEntry >= IndexIntervalBytes)
        {
            Index.Add(batch.BaseOffset, position, persist);
            _bytesSinceIndexEntry = 0;
        }

        _bytesSinceIndexEntry += batch.TotalSize;
        TimeIndex.Add(batch.Timestamp, batch.BaseOffset, persist);
        NextOffset = batch.LastOffset + 1;
    }

    /// <summary>Appends one batch whose base offset has already been assigned.</summary>
    public void Append(ReadOnlySpan<byte> batchBytes, RecordBatch batch)
    {
        RandomAccess.Write(_handle, batchBytes, Size);
        Track(batch, Size, persist: true);
        Size += batchBytes.Length;
        LastWriteUtc = DateTime.UtcNow;
    }

    public int Read(Span<byte> destination, long position) => RandomAccess.Read(_handle, destination, position);

    /// <summary>Reads the batch header at <paramref name="position"/>, or null past the end.</summary>
    public RecordBatch? ReadHeaderAt(long position)
    {
        if (position + RecordBatch.HeaderSize > Size)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[RecordBatch.HeaderSize];
        return RandomAccess.Read(_handle, header, position) < RecordBatch.HeaderSize ? null : RecordBatch.ReadHeader(header);
    }

    /// <summary>Position and header of the batch that holds <paramref name="offset"/>, or null if none.</summary>
    public (long Position, RecordBatch Batch)? FindBatch(long offset)
    {
        var position = Index.FloorPosition(offset);
        while (ReadHeaderAt(position) is { } batch)
        {
            if (batch.LastOffset >= offset)
            {
                return (position, batch);
            }

            position += batch.TotalSize;
        }

        return null;
    }

    /// <summary>The first batch whose largest timestamp reaches <paramref name="timestamp"/>.</summary>
    public (long Position, RecordBatch Batch)? FindBatchByTime(long timestamp)
    {
        var start = FindBatch(TimeIndex.ScanStartOffset(timestamp));
        if (start is null)
        {
            return null;
        }

        var position = start.Value.Position;
        while (ReadHeaderAt(position) is { } batch)
        {
            if (batch.Timestamp >= timestamp)
            {
                return (position, batch);
            }

            position += batch.TotalSize;
        }

        return null;
    }

    /// <summary>One past the last offset known to be fsynced: what acks=all may have acknowledged.</summary>
    public long DurableNextOffset => Interlocked.Read(ref _durableNextOffset);

    /// <summary>Callers hold the partition lock, so <see cref="NextOffset"/> is stable.</summary>
    public void Flush()
    {
        var covered = NextOffset;
        RandomAccess.FlushToDisk(_handle);
        Index.Flush();
        TimeIndex.Flush();
        MarkDurable(covered);
    }

    /// <summary>
    /// fsyncs the log file only, without the partition lock (the index streams are not thread-safe): the
    /// active segment's indexes are rebuilt from the log by the recovery scan, and a segment is fully
    /// flushed when it rolls. <paramref name="coveredNextOffset"/> is the end the caller wrote before calling.
    /// </summary>
    public void FlushData(long coveredNextOffset)
    {
        RandomAccess.FlushToDisk(_handle);
        MarkDurable(coveredNextOffset);
    }

    private void MarkDurable(long nextOffset)
    {
        var current = Interlocked.Read(ref _durableNextOffset);
        while (nextOffset > current)
        {
            var seen = Interlocked.CompareExchange(ref _durableNextOffset, nextOffset, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        Index.Dispose();
        TimeIndex.Dispose();
    }

    public void Delete()
    {
        Dispose();
        File.Delete(Path);
        File.Delete(Index.Path);
        File.Delete(TimeIndex.Path);
    }
}
