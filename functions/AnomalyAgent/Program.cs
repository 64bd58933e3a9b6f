using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.AnomalyAgent;
using ServerlessCdc.Postgres.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
AnomalyAgentSettings.AddDefaults(builder.Configuration);
var settings = AnomalyAgentSettings.From(builder.Configuration);
builder.AddPostgres(settings.StateDatabase, typeof(SpendingAnomaly).Assembly);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<SpendingProfiles>();
builder.Services.AddSingleton<AgentSummary>();
builder.Services.AddSingleton<AlertProducer>();
await builder.Build().RunAsync();
