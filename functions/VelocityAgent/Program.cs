using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Agents;
using ServerlessCdc.VelocityAgent;

var builder = FunctionsApplication.CreateBuilder(args);
VelocityAgentSettings.AddDefaults(builder.Configuration);
builder.AddAgent("Velocity", VelocityAgentSettings.From(builder.Configuration), typeof(VelocityScoring));
builder.Services.AddSingleton<VelocityWindows>();
await builder.Build().RunAsync();
