namespace ServerlessCdc.Broker.Storage;

/// <summary>
/// Sparse offset index of one segment: an entry (base offset of a batch, its file position) every
/// <c>IndexIntervalBytes</c>, so a read seeks close to its offset and scans only a few batch headers.
/// Kept in memory and appended to the segment's .index file (relative offset int32, position int32).
/// </summary>
public sealed class OffsetIndex(string path, long baseOffset) : IDisposable
{
    private readonly List<(long Offset, long Position)> _entries = [];
    private FileStream? _file;

    public string Path { get; } = path;

    public int Count => _entries.Count;

    public void Add(long offset, long position, bool persist)
    {
        _entries.Add((offset, position));
        if (persist)
        {
            _file ??= new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> entry = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry, (int)(offset - baseOffset));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry[4..], (int)position);
            _file.Write(entry);
        }
    }

    /// <summary>The position of the last indexed batch starting at or before <paramref name="offset"/>.</summary>
    public long FloorPosition(long offset)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].Offset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? 0 : _entries[found].Position;
    }

    /// <summary>Rewrites the file from memory, after a recovery scan rebuilt the entries.</summary>
    public void Rewrite()
    {
        _file?.Dispose();
        _file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[_entries.Count * 8];
        for (var i = 0; i < _entries.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(i * 8), (int)(_entries[i].Offset - baseOffset));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(i * 8 + 4), (int)_entries[i].Position);
        }

        _file.Write(buffer);
        _file.Flush();
    }

    /// <summary>Loads a persisted index, keeping only entries inside a segment of <paramref name="segmentSize"/>.</summary>
    public bool TryLoad(long segmentSize)
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(Path);
        for (var i = 0; i + 8 <= bytes.Length; i += 8)
        {
            var offset = baseOffset + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            var position = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 4));
            if (position < 0 || position >= segmentSize || (_entries.Count > 0 && position <= _entries[^1].Position))
            {
                break;
            }

            _entries.Add((offset, position));
        }

        return _entries.Count > 0 || segmentSize == 0;
    }

    public void Flush() => _file?.Flush(flushToDisk: true);

    public void Dispose() => _file?.Dispose();
}
