namespace ServerlessCdc.Host.Tests;

/// <summary>The fixture worker apps' build output, in this test assembly's configuration.</summary>
public static class WorkerApps
{
    public static string TimerWorker => Output("TimerWorker");

    public static string KafkaWorker => Output("KafkaWorker");

    private static string Output(string app)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(ServerlessCdc.Testing.ChildProcess.RepositoryRoot, "tests", "Fixtures", app, "bin", framework.Parent!.Name, framework.Name);
    }
}
