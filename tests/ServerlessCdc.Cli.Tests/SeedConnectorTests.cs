using ServerlessCdc.Cli.Stack;

namespace ServerlessCdc.Cli.Tests;

public sealed class SeedConnectorTests
{
    [Fact]
    public void The_seeds_database_gets_the_seeds_json_with_database_dbname_fixed()
    {
        var config = SeedConnector.Json("mydb", "postgrespw")["config"]!;

        Assert.Equal("mydb", config["database.dbname"]!.GetValue<string>());
        Assert.Null(config["database dbname"]);
        Assert.Equal(("fraudslot", "debeziumfraud"), (config["slot.name"]!.GetValue<string>(), config["database.replication.slot.name"]!.GetValue<string>()));
    }

    [Fact]
    public void Another_database_gets_slots_of_its_own_since_slots_belong_to_the_cluster()
    {
        var config = SeedConnector.Json("Pipeline-1000", "postgrespw")["config"]!;

        Assert.Equal(("fraudslot_pipeline_1000", "debeziumfraud_pipeline_1000"),
            (config["slot.name"]!.GetValue<string>(), config["database.replication.slot.name"]!.GetValue<string>()));
    }
}
