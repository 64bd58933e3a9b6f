using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.VelocityAgent;
using ServerlessCdc.Postgres.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
VelocityAgentSettings.AddDefaults(builder.Configuration);
var settings = VelocityAgentSettings.From(builder.Configuration);
builder.AddPostgres(settings.StateDatabase, typeof(VelocityScoring).Assembly);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<VelocityWindows>();
builder.Services.AddSingleton<AgentSummary>();
builder.Services.AddSingleton<AlertProducer>();
await builder.Build().RunAsync();
