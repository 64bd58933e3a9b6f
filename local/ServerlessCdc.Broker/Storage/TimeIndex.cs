using System.Buffers.Binary;

namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// Sparse time index of one segment: (largest timestamp so far, base offset of the batch that raised it),
/// so ListOffsets by timestamp scans only from the last entry below the target. The timestamps are a
/// running maximum, which keeps the entries sorted even when producers send timestamps out of order.
/// Persisted as the .timeindex file (timestamp int64, relative offset int32).
/// </summary>
public sealed class TimeIndex(string path, long baseOffset) : IDisposable
{
    private readonly List<(long Timestamp, long Offset)> _entries = [];
    private FileStream? _file;

    public string Path { get; } = path;

    public long MaxTimestamp => _entries.Count == 0 ? -1 : _entries[^1].Timestamp;

    public void Add(long timestamp, long offset, bool persist)
    {
        if (_entries.Count > 0 && timestamp <= _entries[^1].Timestamp)
        {
            return;
        }

        _entries.Add((timestamp, offset));
        if (persist)
        {
            _file ??= new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> entry = stackalloc byte[12];
            BinaryPrimitives.WriteInt64BigEndian(entry, timestamp);
            BinaryPrimitives.WriteInt32BigEndian(entry[8..], (int)(offset - baseOffset));
            _file.Write(entry);
        }
    }

    /// <summary>An offset at or before the first batch whose timestamp reaches <paramref name="timestamp"/>.</summary>
    public long ScanStartOffset(long timestamp)
    {
        var start = baseOffset;
        foreach (var (ts, offset) in _entries)
        {
            if (ts >= timestamp)
            {
                break;
            }

            start = offset;
        }

        return start;
    }

    public void Rewrite()
    {
        _file?.Dispose();
        _file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[_entries.Count * 12];
        for (var i = 0; i < _entries.Count; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(i * 12), _entries[i].Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(i * 12 + 8), (int)(_entries[i].Offset - baseOffset));
        }

        _file.Write(buffer);
        _file.Flush();
    }

    public bool TryLoad()
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(Path);
        for (var i = 0; i + 12 <= bytes.Length; i += 12)
        {
            var ts = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i));
            var offset = baseOffset + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 8));
            if (_entries.Count > 0 && ts <= _entries[^1].Timestamp)
            {
                break;
            }

            _entries.Add((ts, offset));
        }

        return true;
    }

    public void Flush() => _file?.Flush(flushToDisk: true);

    public void Dispose() => _file?.Dispose();
}
