using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// The Functions host extension that serves these bindings, as the real package names it (its source says 3.3.2; each
// release names its own). Worker.Sdk writes it into the generated WorkerExtensions.csproj, which a real deployment
// builds (ServerlessCdcBuildWorkerExtensions=true) and our host does not need; with the real package this is its own.
[assembly: ExtensionInformation("Microsoft.Azure.WebJobs.Extensions.Kafka", "3.3.2")]
