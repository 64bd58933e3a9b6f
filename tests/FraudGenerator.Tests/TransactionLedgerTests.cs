using Npgsql;
using ServerlessCdc.FraudGenerator;
using ServerlessCdc.Postgres.Migrations;
using ServerlessCdc.Testing;

namespace FraudGenerator.Tests;

/// <summary>The ledger against the real Postgres: the rate across ticks, the catch-up limit, one writer at a time.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TransactionLedgerTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly FraudGeneratorSettings _settings = new("mydb", 1000, 1000, 0.1, TimeSpan.FromSeconds(10), 11);
    private NpgsqlDataSource _db = null!;

    public async Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("fraud"));
        await new MigrationRunner(_db).ApplyAsync("FraudGenerator", Migration.FromAssembly(typeof(TransactionLedger).Assembly));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task The_rate_holds_across_uneven_ticks()
    {
        var ledger = Ledger(_settings);

        var ticks = new List<TickResult>();
        foreach (var seconds in new[] { 0, 0.4, 1.0, 1.05, 3.25 })
        {
            ticks.Add(await ledger.WriteDueAsync(Start.AddSeconds(seconds), CancellationToken.None));
        }

        Assert.Equal([0, 400, 600, 50, 2200], ticks.Select(t => t.Rows));
        Assert.Equal(3250, await Scalar("SELECT count(*) FROM transactions"));
        Assert.Equal(ticks.Sum(t => t.Scenarios), await Scalar("SELECT count(*) FROM fraud_generator.fraud_labels"));
        Assert.True(ticks.Sum(t => t.Scenarios) >= 4);
        Assert.Equal(3250, await Scalar("SELECT count(DISTINCT created_at) FROM transactions"));
    }

    [Fact]
    public async Task Each_label_names_the_last_transaction_of_its_user_s_scenario()
    {
        var ledger = Ledger(_settings);
        await ledger.WriteDueAsync(Start, CancellationToken.None);
        await ledger.WriteDueAsync(Start.AddSeconds(3), CancellationToken.None);

        var mismatched = await Scalar("""
            SELECT count(*) FROM fraud_generator.fraud_labels l
            LEFT JOIN transactions t ON t.id = l.transaction_id AND t.user_id = l.user_id
            WHERE t.id IS NULL
               OR (l.pattern = 'burst') <> (t.amount > 4000)
               OR l.is_fraud <> (l.pattern IN ('spike', 'burst'))
            """);
        Assert.Equal(0, mismatched);
        Assert.Equal(4, await Scalar("SELECT count(DISTINCT pattern) FROM fraud_generator.fraud_labels"));
    }

    [Fact]
    public async Task A_tick_far_behind_writes_at_most_the_catch_up_and_the_rate_goes_on_from_there()
    {
        var ledger = Ledger(_settings);
        await ledger.WriteDueAsync(Start, CancellationToken.None);

        var late = await ledger.WriteDueAsync(Start.AddHours(1), CancellationToken.None);
        var next = await ledger.WriteDueAsync(Start.AddHours(1).AddSeconds(1), CancellationToken.None);

        Assert.Equal(10_000, late.Rows);
        Assert.Equal(3_600_000 - 10_000, late.Skipped);
        Assert.Equal(1000, next.Rows);
        Assert.Equal(0, next.Skipped);
    }

    [Fact]
    public async Task Two_instances_ticking_at_once_write_what_is_due_once()
    {
        await Ledger(_settings).WriteDueAsync(Start, CancellationToken.None);

        var both = await Task.WhenAll(
            Ledger(_settings).WriteDueAsync(Start.AddSeconds(2), CancellationToken.None),
            Ledger(_settings).WriteDueAsync(Start.AddSeconds(2), CancellationToken.None));

        Assert.Equal([0, 2000], both.Select(t => t.Rows).Order());
        Assert.Equal(2000, await Scalar("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task A_seeded_run_writes_the_same_rows_however_its_ticks_fall()
    {
        var other = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("fraud"));
        await using var _ = other;
        await new MigrationRunner(other).ApplyAsync("FraudGenerator", Migration.FromAssembly(typeof(TransactionLedger).Assembly));

        var ledger = Ledger(_settings);
        await ledger.WriteDueAsync(Start, CancellationToken.None);
        await ledger.WriteDueAsync(Start.AddSeconds(2), CancellationToken.None);
        var again = new TransactionLedger(other, _settings, new TransactionPlanner(_settings));
        await again.WriteDueAsync(Start.AddSeconds(5), CancellationToken.None);
        await again.WriteDueAsync(Start.AddSeconds(7), CancellationToken.None);

        const string Rows = "SELECT string_agg(user_id || ':' || amount, ',' ORDER BY id) FROM transactions";
        Assert.Equal(await Text(_db, Rows), await Text(other, Rows));
    }

    private TransactionLedger Ledger(FraudGeneratorSettings settings) => new(_db, settings, new TransactionPlanner(settings));

    private async Task<long> Scalar(string sql)
    {
        await using var command = _db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> Text(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (string?)await command.ExecuteScalarAsync();
    }
}
