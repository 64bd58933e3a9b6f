using System.Collections.Concurrent;
using System.Text.Json;

namespace ServerlessCdc.Broker.Groups;

/// <summary>
/// Committed offsets of all groups. Every commit is appended as a JSON line to groups/offsets.log (the
/// stand-in for __consumer_offsets) and flushed before it is acknowledged; at start-up the file is
/// replayed, last write wins, and rewritten compacted.
/// </summary>
public sealed class OffsetStore : IDisposable
{
    private readonly ConcurrentDictionary<(string Group, string Topic, int Partition), (long Offset, string? Metadata)> _offsets = new();
    private readonly object _writeLock = new();
    private readonly bool _fsync;
    private readonly string _path;
    private FileStream _file;

    public OffsetStore(string dataDirectory, bool fsync)
    {
        _fsync = fsync;
        var directory = Path.Combine(dataDirectory, "groups");
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "offsets.log");
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadLines(_path))
            {
                // A torn last line (crash mid-write) is skipped; its commit was never acknowledged.
                if (TryParse(line) is { } entry)
                {
                    Apply(entry);
                }
            }
        }

        var compacted = _path + ".tmp";
        using (var writer = new StreamWriter(compacted))
        {
            foreach (var ((group, topic, partition), (offset, metadata)) in _offsets)
            {
                writer.WriteLine(JsonSerializer.Serialize(new Entry(group, topic, partition, offset, metadata)));
            }
        }

        File.Move(compacted, _path, overwrite: true);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    private static Entry? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<Entry>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Apply(Entry entry)
    {
        if (entry.Offset < 0)
        {
            _offsets.TryRemove((entry.Group, entry.Topic, entry.Partition), out _);
        }
        else
        {
            _offsets[(entry.Group, entry.Topic, entry.Partition)] = (entry.Offset, entry.Metadata);
        }
    }

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, long Offset, string? Metadata)> commits)
    {
        var lines = new System.Text.StringBuilder();
        foreach (var (topic, partition, offset, metadata) in commits)
        {
            lines.Append(JsonSerializer.Serialize(new Entry(group, topic, partition, offset, metadata))).Append('\n');
        }

        lock (_writeLock)
        {
            _file.Write(System.Text.Encoding.UTF8.GetBytes(lines.ToString()));
            _file.Flush(_fsync);
            foreach (var (topic, partition, offset, metadata) in commits)
            {
                Apply(new Entry(group, topic, partition, offset, metadata));
            }
        }
    }

    public (long Offset, string? Metadata)? Get(string group, string topic, int partition) =>
        _offsets.TryGetValue((group, topic, partition), out var value) ? value : null;

    public IEnumerable<(string Topic, int Partition, long Offset, string? Metadata)> ForGroup(string group) =>
        _offsets.Where(kv => kv.Key.Group == group)
            .Select(kv => (kv.Key.Topic, kv.Key.Partition, kv.Value.Offset, kv.Value.Metadata))
            .OrderBy(x => x.Topic, StringComparer.Ordinal).ThenBy(x => x.Partition);

    public IEnumerable<string> Groups => _offsets.Keys.Select(k => k.Group).Distinct();

    /// <summary>Drops a deleted topic's offsets so a re-created topic starts clean.</summary>
    public void RemoveTopic(string topic)
    {
        var stale = _offsets.Keys.Where(k => k.Topic == topic).ToList();
        foreach (var group in stale.GroupBy(k => k.Group))
        {
            Commit(group.Key, group.Select(k => (k.Topic, k.Partition, -1L, (string?)null)).ToList());
        }
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            _file.Flush(true);
            _file.Dispose();
            _file = null!;
        }
    }

    private sealed record Entry(string Group, string Topic, int Partition, long Offset, string? Metadata);
}
