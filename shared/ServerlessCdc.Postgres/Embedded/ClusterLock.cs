namespace ServerlessCdc.Postgres.Embedded;

/// <summary>An exclusive lock file, held across processes while one of them starts the cluster.</summary>
internal sealed class ClusterLock(FileStream file) : IAsyncDisposable
{
    public static async Task<ClusterLock> AcquireAsync(string path, CancellationToken cancellation)
    {
        while (true)
        {
            try
            {
                return new ClusterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                await Task.Delay(100, cancellation);
            }
        }
    }

    public ValueTask DisposeAsync() => file.DisposeAsync();
}
