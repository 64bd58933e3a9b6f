using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Agents;
using ServerlessCdc.AnomalyAgent;

var builder = FunctionsApplication.CreateBuilder(args);
AnomalyAgentSettings.AddDefaults(builder.Configuration);
builder.AddAgent("Anomaly", AnomalyAgentSettings.From(builder.Configuration), typeof(SpendingAnomaly));
builder.Services.AddSingleton<SpendingProfiles>();
await builder.Build().RunAsync();
