using System.Text.Json;
using ServerlessCdc.Host.Protocol;

namespace ServerlessCdc.Host.Hosting;

/// <summary>A function the worker loaded: its id for invocations, its bindings as functions.metadata describes them.</summary>
public sealed record LoadedFunction(string Name, string FunctionId, string EntryPoint, IReadOnlyList<JsonElement> Bindings,
    ServerlessCdc.Functions.RetryAttribute? Retry = null)
{
    /// <summary>The trigger binding (type ending in "Trigger", direction in).</summary>
    public JsonElement Trigger => Bindings.FirstOrDefault(b => b.Text("type").EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));

    public string TriggerType => Trigger.Text("type");

    public string TriggerName => Trigger.Text("name");

    internal static LoadedFunction From(RpcFunctionMetadata metadata) => new(
        metadata.Name,
        metadata.FunctionId,
        metadata.EntryPoint,
        [.. metadata.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement.Clone())],
        FunctionDescriptors.Retry(metadata.RetryOptions));
}
