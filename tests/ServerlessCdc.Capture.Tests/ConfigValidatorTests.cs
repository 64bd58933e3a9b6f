using ServerlessCdc.Capture.Configuration;

namespace ServerlessCdc.Capture.Tests;

public sealed class ConfigValidatorTests
{
    // The seeds' Activity 1 connector, as written (note "database dbname" with a space).
    public static Dictionary<string, string> SeedConfig() => new()
    {
        ["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector",
        ["tasks.max"] = "1",
        ["database.hostname"] = "postgres",
        ["database.port"] = "5432",
        ["database.user"] = "postgres",
        ["database.password"] = "postgrespw",
        ["database dbname"] = "activity",
        ["slot.name"] = "activityslot",
        ["topic.prefix"] = "dbserver1",
        ["plugin.name"] = "pgoutput",
        ["database.replication.slot.name"] = "debeziumactivity",
    };

    [Fact]
    public void Seed_config_is_rejected_for_the_missing_dbname_with_the_fix()
    {
        var errors = ConfigValidator.Validate(SeedConfig());

        var missing = Assert.Single(errors, e => e.Key == "database.dbname");
        Assert.Contains("A value is required", missing.Message);
        Assert.Contains("'database dbname'", missing.Message);
        Assert.Contains("rename it to 'database.dbname'", missing.Message);
        var unknown = Assert.Single(errors, e => e.Key == "database dbname");
        Assert.Contains("did you mean 'database.dbname'?", unknown.Message);
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Corrected_seed_config_parses_with_debezium_defaults()
    {
        var raw = SeedConfig();
        raw.Remove("database dbname");
        raw["database.dbname"] = "activity";

        var config = ConnectorConfig.Parse("activity-connector", raw);

        Assert.Equal("activityslot", config.SlotName);
        Assert.Equal("dbz_publication", config.PublicationName);
        Assert.Equal(SnapshotMode.Initial, config.SnapshotMode);
        Assert.True(config.TombstonesOnDelete);
        Assert.Contains("t", config.SkippedOperations);
        Assert.True(config.IsCaptured("public", "activity"));
        Assert.False(config.IsCaptured("pg_catalog", "pg_class"));
    }

    [Theory]
    [InlineData("database.prot", "5432", "database.port")]
    [InlineData("table_include_list", "public.a", "table.include.list")]
    [InlineData("slot-name", "x", "slot.name")]
    public void Misspelled_keys_are_named_with_a_suggestion(string key, string value, string suggestion)
    {
        var raw = SeedConfig();
        raw.Remove("database dbname");
        raw["database.dbname"] = "activity";
        raw[key] = value;

        var error = Assert.Single(ConfigValidator.Validate(raw));

        Assert.Equal(key, error.Key);
        Assert.Contains($"did you mean '{suggestion}'?", error.Message);
    }

    [Theory]
    [InlineData("snapshot.mode", "sometimes")]
    [InlineData("database.port", "five")]
    [InlineData("tombstones.on.delete", "maybe")]
    [InlineData("plugin.name", "decoderbufs")]
    [InlineData("table.include.list", "public.(")]
    public void Bad_values_are_named(string key, string value)
    {
        var raw = SeedConfig();
        raw.Remove("database dbname");
        raw["database.dbname"] = "activity";
        raw[key] = value;

        var error = Assert.Single(ConfigValidator.Validate(raw));

        Assert.Equal(key, error.Key);
        Assert.StartsWith($"The '{key}' value is invalid", error.Message);
    }

    [Fact]
    public void Snapshot_mode_never_is_no_data_and_include_lists_are_anchored()
    {
        var raw = SeedConfig();
        raw.Remove("database dbname");
        raw["database.dbname"] = "mydb";
        raw["snapshot.mode"] = "never";
        raw["table.include.list"] = "public.transactions";

        var config = ConnectorConfig.Parse("c", raw);

        Assert.Equal(SnapshotMode.NoData, config.SnapshotMode);
        Assert.True(config.IsCaptured("public", "transactions"));
        Assert.False(config.IsCaptured("public", "transactions_archive"));
    }
}
