using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Npgsql;
using ServerlessCdc.Postgres;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Temperature;
using ServerlessCdc.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCdc.Cli.Tests;

/// <summary>The dashboard of <c>cdc up</c> in a real browser (Debian's Chromium through Playwright), against the running stack.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DashboardTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Topic = "fraud-detection.public.transactions";
    private readonly StackRun _run = new(postgres, "dash");

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Each_view_shows_the_running_stack_live_and_a_new_row_appears_without_a_reload()
    {
        var dashboardPort = PostgresFixture.FreePort();
        var kafkaPort = PostgresFixture.FreePort();
        var connectPort = PostgresFixture.FreePort();
        var office = await OfficeAsync();
        await using var stack = AppProcess.Start(_run.Cdc("up", "--rate", "200", "--kafka-port", Text(kafkaPort),
            "--connect-port", Text(connectPort), "--dashboard-port", Text(dashboardPort), "--data", _run.Data, "--database", _run.Database,
            "--temperature-database", office));
        Assert.True(await stack.WaitForOutputAsync(text => text.Contains("Ctrl+C stops everything.", StringComparison.Ordinal), TimeSpan.FromSeconds(120)),
            stack.Output);
        Assert.Contains($"Dashboard at http://127.0.0.1:{dashboardPort}/", stack.Output, StringComparison.Ordinal);

        SetDefaultExpectTimeout(30_000);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Args = ["--no-sandbox", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var root = $"http://127.0.0.1:{dashboardPort}/";

        // Topics: the capture's topic, its record count growing with the generator, without a reload.
        await page.GotoAsync(root + "#/topics");
        var records = page.Locator($"#topics tr[data-topic='{Topic}'] .records");
        await Expect(records).ToBeVisibleAsync();
        var first = Number(await records.InnerTextAsync());
        await Expect(records).Not.ToHaveTextAsync(Text(first));
        Assert.True(Number(await records.InnerTextAsync()) > first);

        // Its size on disk, as DescribeLogDirs gives it (the exact bytes in the cell's title).
        var size = page.Locator($"#topics tr[data-topic='{Topic}'] .size");
        Assert.Matches(@"^\d+(\.\d+)? (B|KiB|MiB|GiB)$", await size.InnerTextAsync());
        var bytes = long.Parse((await size.GetAttributeAsync("title"))!.Replace(" bytes", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        Assert.True(bytes > Number(await records.InnerTextAsync()), $"{bytes} bytes for the topic's records");
        await Screenshot(page, "topics");

        // Consumer groups: both agents' groups, stable, with their lag.
        await page.GotoAsync(root + "#/groups");
        foreach (var group in new[] { "fraud-detection-agent1", "fraud-detection-agent2" })
        {
            await Expect(page.Locator($"#groups tr[data-group='{group}'] td.state-Stable")).ToBeVisibleAsync();
            await Expect(page.Locator($"#groups tr[data-group='{group}'] td.offsets")).ToContainTextAsync($"{Topic}[0]: ");
        }

        await Screenshot(page, "groups");

        // Connectors: the seeds' connector running, its password masked and nowhere on the page.
        await page.GotoAsync(root + "#/connectors");
        var connector = page.Locator("section[data-connector='fraud-detection-connector']");
        await Expect(connector.Locator("h2 .state-RUNNING")).ToBeVisibleAsync();
        await Expect(connector.Locator("tr", new LocatorLocatorOptions { HasText = "database.password" }).Locator(".config-value")).ToHaveTextAsync("********");
        Assert.DoesNotContain(postgres.Options.Password, await page.ContentAsync(), StringComparison.Ordinal);

        // Read-only unless asked: no button, and the action refused naming the setting.
        await Expect(page.Locator("button.restart")).ToHaveCountAsync(0);
        using var http = new HttpClient();
        using (var refused = await RestartAsync(http, root, withHeader: true))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("--dashboard-allow-actions", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Screenshot(page, "connectors");

        // Messages: filtered on a user that only this insert has, the row appears once captured, decoded.
        await page.GotoAsync(root + $"#/messages/{Uri.EscapeDataString(Topic)}");
        await Expect(page.Locator("#messages")).ToBeVisibleAsync();
        await page.FillAsync("#filter", "\"user_id\":987654");
        await page.PressAsync("#filter", "Enter");
        await Expect(page.Locator("#messages tr.message")).ToHaveCountAsync(0);
        await using (var db = NpgsqlDataSource.Create(postgres.ConnectionString(_run.Database)))
        {
            await using var insert = db.CreateCommand("INSERT INTO transactions (user_id, amount) VALUES (987654, 4242.42)");
            await insert.ExecuteNonQueryAsync();
        }

        var row = page.Locator("#messages tr.message");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td.op")).ToHaveTextAsync("c");
        await Expect(row).ToContainTextAsync("\"amount\":4242.42");
        await page.FillAsync("#filter", "");
        await page.PressAsync("#filter", "Enter");
        await Expect(page.Locator("#messages tr.message")).ToHaveCountAsync(50);
        await Screenshot(page, "messages");

        // Alerts as the agents publish them, and each agent judged against the generator's labels.
        await page.GotoAsync(root + "#/alerts");
        await Expect(page.Locator("#alerts tr.alert").First).ToBeVisibleAsync();
        await Expect(page.Locator("#alerts tr.alert").First).ToContainTextAsync(new Regex("ANOMALY DETECTED|HIGH FRAUD ALERT"));
        await Screenshot(page, "alerts");
        await page.GotoAsync(root + "#/detection");
        await Expect(page.Locator("#detection tr[data-agent='AnomalyAgent'] .precision")).ToHaveTextAsync("1.00");
        await Expect(page.Locator("#detection tr[data-agent='VelocityAgent'] .precision")).ToHaveTextAsync("1.00");
        await Screenshot(page, "detection");

        // The function apps: each function's invocations growing as the host runs them; no dead letters.
        await page.GotoAsync(root + "#/apps");
        var generator = page.Locator("section[data-app='FraudGenerator'] tr[data-function='FraudGenerator'] .invocations");
        await Expect(generator).ToBeVisibleAsync();
        await Expect(generator).Not.ToHaveTextAsync("0");
        await Expect(page.Locator("section[data-app='AnomalyAgent'] tr[data-function='AnomalyAgent'] .invocations")).Not.ToHaveTextAsync("0");
        await Expect(page.Locator("section[data-app='VelocityAgent'] tr[data-function='VelocityAgent'] .failures")).ToHaveTextAsync("0");
        await Expect(page.Locator("#dead-letters tr.dead-letter")).ToHaveCountAsync(0);
        await Screenshot(page, "apps");

        // Temperature: the Temperature app's averages as a chart.
        await page.GotoAsync(root + "#/temperature");
        await Expect(page.Locator("svg#temperature path.average")).ToBeVisibleAsync();
        await Expect(page.Locator("svg#temperature circle.point")).ToHaveCountAsync(3);
        await Expect(page.Locator(".latest")).ToHaveTextAsync("22.75");
        await Screenshot(page, "temperature");

        // cdc dashboard against the same Kafka and Connect, with actions on: its Restart button restarts the connector
        // (its replication connection is a new one), which runs again.
        var actionsPort = PostgresFixture.FreePort();
        await using (var dashboard = AppProcess.Start(_run.Cdc("dashboard", "--bootstrap-server", $"127.0.0.1:{kafkaPort}",
            "--connect", $"http://127.0.0.1:{connectPort}", "--port", Text(actionsPort), "--allow-actions")))
        {
            Assert.True(await dashboard.WaitForOutputAsync(text => text.Contains("Dashboard at", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                dashboard.Output);
            var actionsRoot = $"http://127.0.0.1:{actionsPort}/";
            using (var unmarked = await RestartAsync(http, actionsRoot, withHeader: false))
            {
                Assert.Equal(HttpStatusCode.BadRequest, unmarked.StatusCode);
            }

            var before = await SlotPidAsync();
            await page.GotoAsync(actionsRoot + "#/connectors");
            await page.Locator("section[data-connector='fraud-detection-connector'] button.restart").ClickAsync();
            await Expect(page.Locator("#action-result")).ToContainTextAsync("restart accepted by Connect (202)");
            await WaitUntilAsync(async () => await SlotPidAsync() is { } pid && pid != before, TimeSpan.FromSeconds(30));
            await Expect(page.Locator("section[data-connector='fraud-detection-connector'] h2 .state-RUNNING")).ToBeVisibleAsync();
            await Screenshot(page, "connectors-actions");
            await dashboard.TerminateAsync();
        }

        var stopped = await stack.TerminateAsync();
        output.WriteLine($"cdc up: {stopped}");
        Assert.True(stopped.Exited && stopped.ExitCode == 0, $"{stopped}\n{stack.Output}");
    }

    private static Task<HttpResponseMessage> RestartAsync(HttpClient http, string root, bool withHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, root + "api/connectors/fraud-detection-connector/restart");
        if (withHeader)
        {
            request.Headers.Add("X-Dashboard-Action", "1");
        }

        return http.SendAsync(request);
    }

    // The backend streaming the connector's slot: a restarted connector streams from a new one.
    private async Task<int?> SlotPidAsync()
    {
        await using var db = NpgsqlDataSource.Create(postgres.ConnectionString(_run.Database));
        await using var query = db.CreateCommand("SELECT active_pid FROM pg_replication_slots WHERE database = current_database() AND active");
        return await query.ExecuteScalarAsync() as int?;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {timeout}");
            await Task.Delay(200);
        }
    }

    // A database as the Temperature app leaves it after three windows (Activity 2): its migrations, three averages.
    private async Task<string> OfficeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("office");
        await using var office = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(office).ApplyAsync("Temperature", Migration.FromAssembly(typeof(TemperatureAverages).Assembly));
        await using var insert = office.CreateCommand("""
            INSERT INTO temperature_averages (window_start, window_end, readings, average, minimum, maximum) VALUES
                ('2026-12-07 09:00Z', '2026-12-07 09:10Z', 10, 21.50, 19.00, 24.00),
                ('2026-12-07 09:10Z', '2026-12-07 09:20Z', 10, 23.25, 20.50, 27.00),
                ('2026-12-07 09:20Z', '2026-12-07 09:30Z', 10, 22.75, 18.25, 29.50)
            """);
        await insert.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }

    // Beside the test's data; SERVERLESSCDC_SCREENSHOTS=docs renews the pictures kept under docs/dashboard.
    private async Task Screenshot(IPage page, string view)
    {
        var directory = Environment.GetEnvironmentVariable("SERVERLESSCDC_SCREENSHOTS") == "docs"
            ? Path.Combine(RepositoryPaths.Root, "docs", "dashboard")
            : Path.Combine(Path.GetTempPath(), "serverlesscdc-tests", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{view}.png") });
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
