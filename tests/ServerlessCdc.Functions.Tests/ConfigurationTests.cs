using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.Functions.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("functions-config-").FullName;

    [Fact]
    public void Local_settings_values_load_as_core_tools_loads_them()
    {
        var path = Write("local.settings.json", """
            {
              "IsEncrypted": false,
              "Values": {
                "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
                "Postgres__Host": "localhost",
                "Postgres:Port": "5432",
                "Enabled": true
              },
              "ConnectionStrings": { "FunctionsStorage": "Host=db" }
            }
            """);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(FunctionsConfiguration.ReadLocalSettings(path)).Build();

        Assert.Equal("localhost", configuration["Postgres:Host"]);
        Assert.Equal("5432", configuration["Postgres:Port"]);
        Assert.Equal("true", configuration["Enabled"]);
        Assert.Equal("Host=db", configuration.GetConnectionString("FunctionsStorage"));
        Assert.Null(configuration["IsEncrypted"]);
        Assert.Equal("Host=db", FunctionsHostSettings.GetStorage(configuration));
    }

    [Fact]
    public void Host_json_loads_under_the_job_host_section()
    {
        var path = Write("host.json", """{ "version": "2.0", "extensions": { "kafka": { "maxBatchSize": 1000 } } }""");

        var settings = FunctionsConfiguration.ReadHostJson(path);

        Assert.Equal("2.0", settings["AzureFunctionsJobHost:version"]);
        Assert.Equal("1000", settings["AzureFunctionsJobHost:extensions:kafka:maxBatchSize"]);
    }

    [Fact]
    public void The_sources_read_the_repository_host_json_and_let_the_environment_override()
    {
        var name = $"FunctionsTest{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable($"{name}__Inner", "from-environment");
        try
        {
            var builder = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory);
            FunctionsConfiguration.AddFunctionsSources(builder, ["--FromCommandLine=yes"]);
            var configuration = builder.Build();

            Assert.Equal("2.0", configuration["AzureFunctionsJobHost:version"]);
            Assert.Equal("from-environment", configuration[$"{name}:Inner"]);
            Assert.Equal("yes", configuration["FromCommandLine"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"{name}__Inner", null);
        }
    }

    [Fact]
    public void Shutdown_timeout_defaults_to_ten_seconds_and_reads_the_setting()
    {
        var empty = new ConfigurationBuilder().Build();
        var set = new ConfigurationBuilder()
            .AddInMemoryCollection([new(FunctionsHostSettings.ShutdownTimeout, "00:00:02")]).Build();

        Assert.Equal(TimeSpan.FromSeconds(3), FunctionsHostSettings.GetShutdownTimeout(empty));
        Assert.Equal(TimeSpan.FromSeconds(2), FunctionsHostSettings.GetShutdownTimeout(set));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
