using System.Text.Json;
using ServerlessCdc.Host.Hosting;

namespace ServerlessCdc.Host.Tests;

public sealed class TriggerCheckTests
{
    [Fact]
    public void A_trigger_the_host_does_not_run_is_refused_naming_it_and_the_ones_it_runs()
    {
        var function = new LoadedFunction("Upload", "id", "App.Upload.Run",
            [JsonDocument.Parse("""{"name":"blob","type":"blobTrigger","direction":"In","path":"uploads/{name}"}""").RootElement]);

        var error = Assert.Throws<HostConfigurationException>(() => TriggerCheck.Validate(function, _ => null));

        Assert.Equal("Functions.Upload: its trigger 'blobTrigger' is not one this host runs (timerTrigger, kafkaTrigger).", error.Message);
    }

    [Fact]
    public void Settings_named_by_any_binding_must_be_set()
    {
        var function = new LoadedFunction("Tick", "id", "App.Tick.Run",
        [
            JsonDocument.Parse("""{"name":"timer","type":"timerTrigger","direction":"In","schedule":"%TickSchedule%"}""").RootElement,
            JsonDocument.Parse("""{"name":"$return","type":"kafka","direction":"Out","brokerList":"%Brokers%","topic":"alerts"}""").RootElement,
        ]);

        TriggerCheck.Validate(function, name => name is "TickSchedule" or "Brokers" ? "set" : null);
        var error = Assert.Throws<HostConfigurationException>(() => TriggerCheck.Validate(function, name => name == "TickSchedule" ? "* * * * * *" : null));
        Assert.Contains("'brokerList' of binding '$return' names the setting 'Brokers' (%Brokers%)", error.Message, StringComparison.Ordinal);
    }
}
