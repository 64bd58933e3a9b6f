using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.FraudGenerator;
using ServerlessCdc.Postgres.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
var settings = FraudGeneratorSettings.From(builder.Configuration);
builder.AddPostgres(settings.Database, typeof(FraudTransactions).Assembly);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new TransactionPlanner(settings));
builder.Services.AddSingleton<TransactionLedger>();
await builder.Build().RunAsync();
