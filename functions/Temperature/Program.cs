using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessCdc.Postgres.Hosting;
using ServerlessCdc.Temperature;

var builder = FunctionsApplication.CreateBuilder(args);
var settings = TemperatureSettings.From(builder.Configuration);
builder.AddPostgres(settings.Database, typeof(TemperatureSensor).Assembly);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<OfficeThermometer>();
builder.Services.AddSingleton<TemperatureReadings>();
builder.Services.AddSingleton<TemperatureAverages>();
await builder.Build().RunAsync();
