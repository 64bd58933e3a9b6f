using System.Collections.Concurrent;
using System.Text.Json;

namespace ServerlessCdc.Capture.Connectors;

/// <summary>A connector's progress beyond what the slot records: whether its initial snapshot finished.</summary>
public sealed record ConnectorOffsets(bool SnapshotCompleted, ulong LastAcknowledgedLsn);

/// <summary>Keeps <see cref="ConnectorOffsets"/> in the data folder (Connect keeps them in its offsets topic).</summary>
public sealed class OffsetStore(string? directory)
{
    private readonly ConcurrentDictionary<string, ConnectorOffsets> _memory = new(StringComparer.Ordinal);

    public async Task<ConnectorOffsets?> ReadAsync(string connector, CancellationToken cancellation)
    {
        if (directory is null)
        {
            return _memory.TryGetValue(connector, out var offsets) ? offsets : null;
        }

        var path = PathFor(connector);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<ConnectorOffsets>(stream, cancellationToken: cancellation);
    }

    public async Task WriteAsync(string connector, ConnectorOffsets offsets, CancellationToken cancellation)
    {
        if (directory is null)
        {
            _memory[connector] = offsets;
            return;
        }

        Directory.CreateDirectory(directory);
        await AtomicFile.WriteAsync(PathFor(connector), JsonSerializer.SerializeToUtf8Bytes(offsets), cancellation);
    }

    private string PathFor(string connector) => Path.Combine(directory!, AtomicFile.SafeName(connector) + ".json");
}

/// <summary>Writes a file so that a crash leaves either the old or the new content, never half of it.</summary>
internal static class AtomicFile
{
    public static async Task WriteAsync(string path, byte[] content, CancellationToken cancellation)
    {
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await stream.WriteAsync(content, cancellation);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A file name for a connector name, which Connect allows to contain almost anything.</summary>
    public static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c.ToString() : $"%{(int)c:X4}"));
}
