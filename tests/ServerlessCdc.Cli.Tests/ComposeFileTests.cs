using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessCdc.Cli.Stack;
using ServerlessCdc.Postgres;

namespace ServerlessCdc.Cli.Tests;

/// <summary>
/// docker-compose.yml as Compose itself reads it: <c>docker-compose config</c> (Debian's 1.29.2, which needs no engine)
/// interpolates, merges the YAML anchors and normalizes ports and volumes; the assertions read that output. No engine
/// runs here, so this is what keeps the file true to the embedded stack: the same connector, ports and app settings.
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string DefaultPassword = "postgrespw";
    private static readonly string Root = RepositoryPaths.Root;
    private static readonly Lazy<Task<JsonObject>> Default = new(() => ConfigAsync(password: null));

    private static readonly string[] FunctionApps =
        [.. Directory.GetDirectories(Path.Combine(Root, "functions"))
            .Where(folder => File.Exists(Path.Combine(folder, Path.GetFileName(folder) + ".csproj")))
            .Select(folder => Path.GetFileName(folder))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public async Task The_seeds_containers_run_under_their_names_on_their_ports()
    {
        var services = Services(await Default.Value);

        foreach (var name in new[] { "postgres", "kafka", "connect", "kafka-ui", "azurite", "connector-registration" })
        {
            Assert.True(services.ContainsKey(name), $"docker-compose.yml has no service {name}");
        }

        // The seeds' `docker exec -it kafka …` and `docker exec -it postgres psql` name the containers.
        foreach (var name in new[] { "postgres", "kafka", "connect", "kafka-ui" })
        {
            Assert.Equal(name, Text(services[name]!["container_name"]));
        }

        Assert.Contains("5432:5432", Ports(services["postgres"]!));
        Assert.Contains("9094:9094", Ports(services["kafka"]!));
        Assert.Contains("8083:8083", Ports(services["connect"]!));
        Assert.Contains("8080:8080", Ports(services["kafka-ui"]!));
    }

    [Fact]
    public async Task Postgres_15_runs_with_logical_wal_and_creates_the_seeds_databases()
    {
        var postgres = Services(await Default.Value)["postgres"]!;

        Assert.StartsWith("postgres:15", Text(postgres["image"]), StringComparison.Ordinal);
        var command = Text(postgres["command"]);
        Assert.Contains("wal_level=logical", command, StringComparison.Ordinal);
        Assert.Matches(@"max_replication_slots=[1-9]", command);
        Assert.Matches(@"max_wal_senders=[1-9]", command);
        Assert.Equal("postgres", Text(postgres["environment"]!["POSTGRES_USER"]));
        Assert.Contains("pg_isready", string.Join(' ', Strings(postgres["healthcheck"]!["test"])), StringComparison.Ordinal);

        var init = Volumes(postgres).Single(volume => volume.Target == "/docker-entrypoint-initdb.d");
        var sql = string.Join('\n', Directory.GetFiles(init.Source, "*.sql").Select(File.ReadAllText));
        Assert.Matches(@"(?im)^\s*CREATE DATABASE mydb\s*;", sql);
        Assert.Matches(@"(?im)^\s*CREATE DATABASE office_db\s*;", sql);
    }

    [Fact]
    public async Task Kafka_runs_in_kraft_mode_for_containers_on_kafka_9092_and_for_the_seeds_on_localhost_9094()
    {
        var kafka = Services(await Default.Value)["kafka"]!;
        var environment = kafka["environment"]!;

        Assert.Matches(@"^apache/kafka:[34]\.", Text(kafka["image"]));
        Assert.Contains("controller", Text(environment["KAFKA_PROCESS_ROLES"]), StringComparison.Ordinal);
        Assert.Contains("CONTROLLER", Text(environment["KAFKA_CONTROLLER_LISTENER_NAMES"]), StringComparison.Ordinal);
        var advertised = Text(environment["KAFKA_ADVERTISED_LISTENERS"]).Split(',');
        Assert.Contains(advertised, listener => listener.EndsWith("://localhost:9094", StringComparison.Ordinal));
        Assert.Contains(advertised, listener => listener.EndsWith("://kafka:9092", StringComparison.Ordinal));
        Assert.NotNull(kafka["healthcheck"]?["test"]);
    }

    [Fact]
    public async Task Connect_and_kafka_ui_use_the_broker_and_connect_waits_for_kafka_and_postgres()
    {
        var services = Services(await Default.Value);
        var connect = services["connect"]!;
        var ui = services["kafka-ui"]!;

        Assert.Matches(@"^quay\.io/debezium/connect:[23]\.", Text(connect["image"]));
        Assert.Equal("kafka:9092", Text(connect["environment"]!["BOOTSTRAP_SERVERS"]));
        foreach (var topic in new[] { "CONFIG_STORAGE_TOPIC", "OFFSET_STORAGE_TOPIC", "STATUS_STORAGE_TOPIC" })
        {
            Assert.False(string.IsNullOrEmpty(connect["environment"]![topic]?.GetValue<string>()), $"connect has no {topic}");
        }

        Assert.Equal("service_healthy", Text(connect["depends_on"]!["kafka"]!["condition"]));
        Assert.Equal("service_healthy", Text(connect["depends_on"]!["postgres"]!["condition"]));
        Assert.Equal("kafka:9092", Text(ui["environment"]!["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]));
        Assert.Equal("http://connect:8083", Text(ui["environment"]!["KAFKA_CLUSTERS_0_KAFKACONNECT_0_ADDRESS"]));
    }

    [Fact]
    public async Task The_registered_connector_is_the_one_cdc_up_registers_with_the_password_from_the_environment()
    {
        var services = Services(await Default.Value);
        var path = Path.Combine(Root, "deploy", "connect", "fraud-detection-connector.json");
        var file = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var embedded = SeedConnector.Json("mydb", DefaultPassword);

        Assert.Equal(SeedConnector.Name, Text(file["name"]));
        var config = file["config"]!.AsObject();
        var expected = embedded["config"]!.AsObject();
        Assert.Equal(expected.Select(entry => entry.Key).Order(StringComparer.Ordinal), config.Select(entry => entry.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected.Where(entry => entry.Key is not "database.password" and not "database.hostname"))
        {
            Assert.True(Text(value) == Text(config[key]), $"{key}: the file has '{Text(config[key])}', cdc up sends '{Text(value)}'");
        }

        // The host is the compose service; the password a Connect config-provider reference that the worker resolves.
        Assert.True(services.ContainsKey(Text(config["database.hostname"])), $"no service {Text(config["database.hostname"])}");
        var password = PasswordReference().Match(Text(config["database.password"]));
        Assert.True(password.Success, $"database.password should be ${{env:NAME}}, not '{Text(config["database.password"])}'");
        var connect = services["connect"]!["environment"]!;
        Assert.Equal(DefaultPassword, Text(connect[password.Groups[1].Value]));
        var providers = Text(connect["CONNECT_CONFIG_PROVIDERS"]).Split(',');
        Assert.Contains("env", providers);
        Assert.Equal("org.apache.kafka.common.config.provider.EnvVarConfigProvider", Text(connect["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"]));

        var registration = services["connector-registration"]!;
        var mounted = Volumes(registration).Single(volume => volume.Source == path);
        var script = string.Join('\n', Strings(registration["entrypoint"]).Concat(Strings(registration["command"])));
        Assert.Contains($"@{mounted.Target}", script, StringComparison.Ordinal);
        Assert.Contains("http://connect:8083/connectors", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_come_from_the_environment()
    {
        const string secret = "not-the-seeds-password-7f3a";
        var configuration = await ConfigAsync(secret);
        var services = Services(configuration);

        Assert.DoesNotContain(DefaultPassword, configuration.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(secret, Text(services["postgres"]!["environment"]!["POSTGRES_PASSWORD"]));
        foreach (var app in AppServices(services))
        {
            Assert.Equal(secret, Text(app.Service["environment"]!["Postgres__Password"]));
            Assert.Contains($"Password={secret};", Text(app.Service["environment"]!["FunctionsStorage"]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_function_app_is_built_on_the_functions_host_image_with_the_real_kafka_extension()
    {
        var apps = AppServices(Services(await Default.Value));
        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "functions", "Dockerfile"));

        Assert.Equal(FunctionApps, apps.Select(app => app.App).Order(StringComparer.Ordinal));
        foreach (var (name, _, service) in apps)
        {
            Assert.True(Root == Text(service["build"]!["context"]), $"{name} builds from {Text(service["build"]!["context"])}");
            Assert.Equal("deploy/functions/Dockerfile", Text(service["build"]!["dockerfile"]));
        }

        Assert.Matches(@"(?m)^RUN dotnet publish .*-p:RealKafkaExtension=true", dockerfile);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/azure-functions/dotnet-isolated:4-dotnet-isolated\S+\s*$", dockerfile);
    }

    [Fact]
    public async Task The_real_extension_switch_swaps_the_stand_in_for_the_package_and_builds_the_worker_extensions()
    {
        Assert.Matches(@"<PackageVersion Include=""Microsoft\.Azure\.Functions\.Worker\.Extensions\.Kafka"" Version=""\d+\.\d+\.\d+""",
            File.ReadAllText(Path.Combine(Root, "Directory.Packages.props")));

        foreach (var app in new[] { "AnomalyAgent", "VelocityAgent" })
        {
            var (real, standIn) = (await EvaluateAsync(app, realExtension: true), await EvaluateAsync(app, realExtension: false));

            Assert.Contains("Microsoft.Azure.Functions.Worker.Extensions.Kafka", real.Packages);
            Assert.DoesNotContain(real.Projects, project => project.Contains("ServerlessCdc.Worker.Extensions.Kafka", StringComparison.Ordinal));
            Assert.Equal("true", real.BuildWorkerExtensions);

            // Off, the offline build as it was: the stand-in, no package that the mirror lacks, the inner build skipped.
            Assert.DoesNotContain("Microsoft.Azure.Functions.Worker.Extensions.Kafka", standIn.Packages);
            Assert.Contains(standIn.Projects, project => project.Contains("ServerlessCdc.Worker.Extensions.Kafka", StringComparison.Ordinal));
            Assert.Equal("", standIn.BuildWorkerExtensions);
        }
    }

    [Fact]
    public async Task Every_function_app_gets_its_local_settings_with_the_compose_services_in_place_of_localhost()
    {
        var services = Services(await Default.Value);
        Assert.True(services.ContainsKey("azurite"), "no azurite service for AzureWebJobsStorage");

        foreach (var (name, app, service) in AppServices(services))
        {
            var environment = service["environment"]!.AsObject();
            var values = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "functions", app, "local.settings.json")))!["Values"]!.AsObject();
            foreach (var (key, value) in values)
            {
                var expected = Text(value).Replace("localhost:9094", "kafka:9092", StringComparison.Ordinal)
                    .Replace("localhost", "postgres", StringComparison.Ordinal);
                var setting = key.Replace(":", "__", StringComparison.Ordinal);
                Assert.True(environment.ContainsKey(setting), $"{name} has no {setting} (local.settings.json {key})");
                Assert.True(expected == Text(environment[setting]), $"{name} {setting}: '{Text(environment[setting])}', local.settings.json says '{expected}'");
            }

            Assert.Equal("dotnet-isolated", Text(environment["FUNCTIONS_WORKER_RUNTIME"]));
            Assert.Contains("azurite", Text(environment["AzureWebJobsStorage"]), StringComparison.Ordinal);
            Assert.Equal("service_healthy", Text(service["depends_on"]!["postgres"]!["condition"]));
        }
    }

    [Fact]
    public void The_dockerfile_builds_exactly_the_apps_under_functions()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "functions", "Dockerfile"));

        var allowed = AppList().Match(dockerfile);
        Assert.True(allowed.Success, "deploy/functions/Dockerfile has no `case \"$APP\" in A|B|…)` line");
        Assert.Equal(FunctionApps, allowed.Groups[1].Value.Split('|').Order(StringComparer.Ordinal));
    }

    private static JsonObject Services(JsonObject configuration) => configuration["services"]!.AsObject();

    private static List<(string Name, string App, JsonNode Service)> AppServices(JsonObject services) =>
        [.. services.Where(service => service.Value!["build"] is not null)
            .Select(service => (service.Key, Text(service.Value!["build"]!["args"]?["APP"]), service.Value!))];

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(Text),
        null => [],
        _ => [Text(node)],
    };

    private static List<string> Ports(JsonNode service) =>
        [.. service["ports"]!.AsArray().Select(port => $"{Text(port!["published"])}:{Text(port!["target"])}")];

    private static List<(string Source, string Target)> Volumes(JsonNode service) =>
        [.. service["volumes"]!.AsArray().Select(volume => Text(volume).Split(':')).Select(parts => (parts[0], parts[1]))];

    /// <summary>The file as Compose reads it, without the caller's Compose variables, as JSON with every scalar a string.</summary>
    private static async Task<JsonObject> ConfigAsync(string? password)
    {
        var yaml = await RunAsync("docker-compose", ["-f", "docker-compose.yml", "--project-directory", Root, "config"], input: null,
            environment: new() { ["POSTGRES_PASSWORD"] = password, ["COMPOSE_FILE"] = null, ["COMPOSE_PROJECT_NAME"] = null });
        // BaseLoader leaves every scalar a string (no YAML 1.1 guessing of numbers, booleans and times).
        var json = await RunAsync(ComposePython(), ["-c", "import json, sys, yaml; json.dump(yaml.load(sys.stdin, Loader=yaml.BaseLoader), sys.stdout)"],
            input: yaml, environment: []);
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>The interpreter docker-compose runs on, which has PyYAML since Compose imports it (another python3 may not).</summary>
    private static string ComposePython()
    {
        var compose = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "docker-compose"))
            .FirstOrDefault(File.Exists);
        var shebang = compose is null ? "" : File.ReadLines(compose).FirstOrDefault() ?? "";
        return shebang.StartsWith("#!/", StringComparison.Ordinal) && !shebang.Contains(' ', StringComparison.Ordinal) ? shebang[2..] : "python3";
    }

    private static async Task<(List<string> Packages, List<string> Projects, string BuildWorkerExtensions)> EvaluateAsync(string app, bool realExtension)
    {
        var json = await RunAsync("dotnet",
            ["msbuild", Path.Combine(Root, "functions", app, $"{app}.csproj"), $"-p:RealKafkaExtension={(realExtension ? "true" : "false")}",
             "-getProperty:ServerlessCdcBuildWorkerExtensions", "-getItem:PackageReference", "-getItem:ProjectReference"],
            input: null, environment: []);
        var evaluated = JsonNode.Parse(json)!;
        List<string> Identities(string item) => [.. evaluated["Items"]![item]!.AsArray().Select(entry => Text(entry!["Identity"]))];
        return (Identities("PackageReference"), Identities("ProjectReference"), Text(evaluated["Properties"]!["ServerlessCdcBuildWorkerExtensions"]));
    }

    private static async Task<string> RunAsync(string program, string[] arguments, string? input, Dictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = Root,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{program} is not installed ({e.Message}): scripts/setup.sh installs it (apt package docker-compose).", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await errors}\n{await output}");
        }
    }

    [GeneratedRegex(@"^\$\{env:(\w+)\}$")]
    private static partial Regex PasswordReference();

    [GeneratedRegex(@"case ""\$APP"" in[\s\\]*([\w|]+)\)")]
    private static partial Regex AppList();
}
