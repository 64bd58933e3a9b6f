using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerlessCdc.Postgres.Embedded;

/// <summary>
/// The private PostgreSQL cluster: when nothing answers at the configured loopback address, initdb a
/// cluster into the data folder and start it from Debian's binaries as an unprivileged user. Logical WAL
/// and replication slots are on for the CDC capture; it listens on 127.0.0.1 only, with password auth.
/// </summary>
public sealed class EmbeddedPostgres(PostgresOptions options, ILogger<EmbeddedPostgres>? logger = null) : IAsyncDisposable
{
    private readonly ILogger _logger = logger ?? NullLogger<EmbeddedPostgres>.Instance;
    private PostgresServerTools? _tools;

    /// <summary>True when this instance started the server and so stops it.</summary>
    public bool Owned { get; private set; }

    public string DataDirectory => Path.Combine(ClusterDirectory, "data");

    public string ClusterDirectory => RepositoryPaths.Resolve(options.DataDirectory);

    /// <summary>Makes sure a server answers at the configured address, starting the private one if needed.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellation = default)
    {
        if (await AnswersAsync(cancellation))
        {
            _logger.LogInformation("PostgreSQL answers at {Host}:{Port}; using it", options.Host, options.Port);
            return;
        }

        if (options.Embedded == EmbeddedMode.Never)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server answers at {options.Host}:{options.Port} and Postgres:Embedded is Never. " +
                "Start the server, or set Postgres:Host/Postgres:Port to one that runs.");
        }

        if (!IsLoopback(options.Host))
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server answers at {options.Host}:{options.Port}. The private cluster only starts for a " +
                "loopback address (localhost, 127.0.0.1): check Postgres:Host and Postgres:Port.");
        }

        Directory.CreateDirectory(ClusterDirectory);
        // Two processes starting together on a fresh machine must not both initdb or both start.
        await using var gate = await ClusterLock.AcquireAsync(Path.Combine(ClusterDirectory, ".lock"), cancellation);
        if (await AnswersAsync(cancellation))
        {
            return;
        }

        _tools ??= PostgresServerTools.Find(options);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(_tools, cancellation);
        }

        _logger.LogInformation("Starting the private PostgreSQL cluster in {Directory} on 127.0.0.1:{Port}", DataDirectory, options.Port);
        await _tools.RunAsync("pg_ctl",
            ["-D", DataDirectory, "-l", Path.Combine(ClusterDirectory, "postgres.log"), "-w",
             "-t", ((int)options.StartTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-o", $"-p {options.Port}", "start"],
            cancellation, LogTail);
        Owned = true;
    }

    /// <summary>Stops the server if this instance started it.</summary>
    public async Task StopAsync(CancellationToken cancellation = default)
    {
        if (!Owned || _tools is null)
        {
            return;
        }

        _logger.LogInformation("Stopping the private PostgreSQL cluster");
        await _tools.RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"], cancellation, LogTail);
        Owned = false;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task InitializeAsync(PostgresServerTools tools, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(options.Password))
        {
            throw new InvalidOperationException(
                "Postgres:Password is not set: the private cluster needs a password for its superuser " +
                "(local.settings.json Values, or the environment variable Postgres__Password).");
        }

        _logger.LogInformation("Creating the private PostgreSQL cluster in {Directory}", DataDirectory);
        tools.GiveToServerUser(ClusterDirectory);
        var passwordFile = Path.Combine(ClusterDirectory, ".pwfile");
        await File.WriteAllTextAsync(passwordFile, options.Password + "\n", cancellation);
        tools.GiveToServerUser(passwordFile);
        try
        {
            await tools.RunAsync("initdb",
                ["-D", DataDirectory, "-U", options.Username, "--pwfile", passwordFile, "--auth-local=scram-sha-256",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
                cancellation);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        // The server is private: TCP on loopback only, no Unix socket that could collide with a system
        // cluster's, and logical WAL with room for the capture's slots and WAL senders. Commit times are kept so that
        // latencies can be measured from a transaction's commit (pg_xact_commit_timestamp).
        var settings = """

            # ServerlessCdc private cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            wal_level = logical
            track_commit_timestamp = on
            max_replication_slots = 20
            max_wal_senders = 20
            max_connections = 200
            shared_buffers = 256MB
            """;
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), settings, cancellation);
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellation)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(options.Host, options.Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    private string LogTail()
    {
        var log = Path.Combine(ClusterDirectory, "postgres.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "";
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
