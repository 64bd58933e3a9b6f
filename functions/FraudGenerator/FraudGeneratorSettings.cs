using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ServerlessCdc.FraudGenerator;

/// <summary>The app's settings (local.settings.json <c>Values</c>, or environment variables).</summary>
/// <param name="Database">Where the seeds' <c>transactions</c> table is.</param>
/// <param name="Rate">Transactions per second, held across ticks.</param>
/// <param name="Users">Ordinary spenders (ids 1…Users); the scenarios' users have ids above them.</param>
/// <param name="ScenarioShare">The share of rows that belong to injected scenarios (fraud and decoys).</param>
/// <param name="MaxCatchUp">How far behind a tick catches up; rows further behind are not written (and logged).</param>
/// <param name="Seed">Makes the amounts and users repeatable; null for a random run.</param>
/// <param name="CommitInterval">
/// How often a tick commits what is due, until the next tick: transactions arrive spread over the second, as a real
/// workload's do, not as one commit of a second's rows. Zero: one commit per tick.
/// </param>
/// <param name="Schedule">The timer's schedule (<c>FraudGeneratorSchedule</c>), which tells when the next tick takes over.</param>
public sealed record FraudGeneratorSettings(string Database, int Rate, int Users, double ScenarioShare, TimeSpan MaxCatchUp, int? Seed,
    TimeSpan CommitInterval = default, string? Schedule = null)
{
    public static FraudGeneratorSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var rate = Parse(configuration, "FraudGeneratorRate", "1000", int.Parse);
        Require(rate is >= 1 and <= 1_000_000, "FraudGeneratorRate", "between 1 and 1000000 rows per second", configuration);
        var users = Parse(configuration, "FraudGeneratorUsers", "10000", int.Parse);
        Require(users is >= 1 and <= 100_000_000, "FraudGeneratorUsers", "between 1 and 100000000", configuration);
        var share = Parse(configuration, "FraudGeneratorScenarioShare", "0.05", double.Parse);
        Require(share is >= 0 and <= 0.5, "FraudGeneratorScenarioShare", "between 0 and 0.5", configuration);
        var catchUp = Parse(configuration, "FraudGeneratorMaxCatchUp", "00:00:10", TimeSpan.Parse);
        Require(catchUp >= TimeSpan.FromSeconds(1) && catchUp <= TimeSpan.FromHours(1), "FraudGeneratorMaxCatchUp",
            "between 00:00:01 and 01:00:00", configuration);
        int? seed = configuration["FraudGeneratorSeed"] is { Length: > 0 } ? Parse(configuration, "FraudGeneratorSeed", "0", int.Parse) : null;
        var interval = Parse(configuration, "FraudGeneratorCommitInterval", "00:00:00.010", TimeSpan.Parse);
        Require(interval >= TimeSpan.Zero && interval <= TimeSpan.FromHours(1), "FraudGeneratorCommitInterval",
            "between 00:00:00 (one commit per tick) and 01:00:00", configuration);
        var schedule = configuration["FraudGeneratorSchedule"];
        if (interval > TimeSpan.Zero && schedule is not null && TickSchedule.Next(schedule, DateTimeOffset.UnixEpoch) is null)
        {
            throw new InvalidOperationException($"The setting FraudGeneratorSchedule ('{schedule}') is not an NCRONTAB expression or a TimeSpan.");
        }

        return new FraudGeneratorSettings(configuration["FraudGeneratorDatabase"] ?? "mydb", rate, users, share, catchUp, seed, interval, schedule);
    }

    private static void Require(bool valid, string name, string range, IConfiguration configuration)
    {
        if (!valid)
        {
            throw new InvalidOperationException($"The setting {name} must be {range}, not '{configuration[name]}'.");
        }
    }

    private static T Parse<T>(IConfiguration configuration, string name, string fallback, Func<string, IFormatProvider, T> parse)
    {
        var text = configuration[name] ?? fallback;
        try
        {
            return parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            throw new InvalidOperationException($"The setting {name} has an invalid value '{text}'.", exception);
        }
    }
}
