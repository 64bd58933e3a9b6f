using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ServerlessCdc.Capture.Configuration;
using ServerlessCdc.Capture.Connectors;

namespace ServerlessCdc.Capture.Connect;

/// <summary>The subset of Kafka Connect's REST API that connector tooling and the seeds' curl commands use.</summary>
public static class ConnectRestApi
{
    public const string ConnectVersion = "3.7.0";
    public const string DebeziumVersion = "2.7.3.Final";

    // Jackson leaves quotes and backticks in messages as they are; so do we, for readable curl output.
    private static readonly JsonSerializerOptions Output = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Map(IEndpointRouteBuilder app, ConnectorRegistry registry, Func<string> workerId)
    {
        app.MapGet("/", () => Json(new JsonObject
        {
            ["version"] = ConnectVersion,
            ["commit"] = "serverlesscdc",
            ["kafka_cluster_id"] = "serverlesscdc",
        }));

        app.MapGet("/connector-plugins", () => Json(new JsonArray(new JsonObject
        {
            ["class"] = ConnectorConfig.ConnectorClass,
            ["type"] = "source",
            ["version"] = DebeziumVersion,
        })));

        app.MapPut("/connector-plugins/{plugin}/config/validate", async (string plugin, HttpRequest request) =>
        {
            var config = await ReadConfigAsync(request, wrapped: false);
            var errors = ConfigValidator.Validate(config);
            return Json(new JsonObject
            {
                ["name"] = ConnectorConfig.ConnectorClass,
                ["error_count"] = errors.Count,
                ["groups"] = new JsonArray(),
                ["configs"] = new JsonArray(config.Keys.Concat(errors.Select(e => e.Key)).Distinct().Order(StringComparer.Ordinal).Select(key => (JsonNode)new JsonObject
                {
                    ["value"] = new JsonObject
                    {
                        ["name"] = key,
                        ["value"] = config.TryGetValue(key, out var v) ? v : null,
                        ["recommended_values"] = new JsonArray(),
                        ["errors"] = new JsonArray(errors.Where(e => e.Key == key).Select(e => (JsonNode)JsonValue.Create(e.Message)!).ToArray()),
                        ["visible"] = true,
                    },
                }).ToArray()),
            });
        });

        app.MapGet("/connectors", (HttpRequest request) =>
        {
            var expand = request.Query["expand"].ToArray();
            if (expand.Length == 0)
            {
                return Json(new JsonArray(registry.Names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()));
            }

            var result = new JsonObject();
            foreach (var name in registry.Names)
            {
                var entry = new JsonObject();
                var runtime = registry.Get(name);
                if (expand.Contains("status"))
                {
                    entry["status"] = Status(name, runtime, workerId());
                }

                if (expand.Contains("info"))
                {
                    entry["info"] = Info(name, runtime.Config.Raw);
                }

                result[name] = entry;
            }

            return Json(result);
        });

        app.MapPost("/connectors", async (HttpRequest request, CancellationToken cancellation) =>
        {
            using var body = await ReadBodyAsync(request);
            if (body.RootElement.ValueKind != JsonValueKind.Object
                || !body.RootElement.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(nameElement.GetString()))
            {
                throw new BadRequestException("Connector name is required: send {\"name\": \"...\", \"config\": {...}}");
            }

            if (!body.RootElement.TryGetProperty("config", out var configElement) || configElement.ValueKind != JsonValueKind.Object)
            {
                throw new BadRequestException("Connector config is required: send {\"name\": \"...\", \"config\": {...}}");
            }

            var name = nameElement.GetString()!;
            var runtime = await registry.CreateAsync(name, ToConfig(configElement), cancellation);
            return Json(Info(name, runtime.Config.Raw), StatusCodes.Status201Created, $"/connectors/{Uri.EscapeDataString(name)}");
        });

        app.MapGet("/connectors/{name}", (string name) => Json(Info(name, registry.Get(name).Config.Raw)));

        app.MapGet("/connectors/{name}/config", (string name) => Json(ConfigJson(registry.Get(name).Config.Raw)));

        app.MapGet("/connectors/{name}/status", (string name) => Json(Status(name, registry.Get(name), workerId())));

        app.MapGet("/connectors/{name}/tasks", (string name) => Json(new JsonArray(new JsonObject
        {
            ["id"] = new JsonObject { ["connector"] = name, ["task"] = 0 },
            ["config"] = ConfigJson(registry.Get(name).Config.Raw),
        })));

        app.MapGet("/connectors/{name}/tasks/{task:int}/status", (string name, int task) =>
            task == 0 ? Json(TaskStatus(registry.Get(name), workerId())) : throw new NotFoundException($"Task {name}-{task} not found"));

        app.MapPut("/connectors/{name}/config", async (string name, HttpRequest request, CancellationToken cancellation) =>
        {
            var config = await ReadConfigAsync(request, wrapped: false);
            var (runtime, created) = await registry.PutAsync(name, config, cancellation);
            return Json(Info(name, runtime.Config.Raw), created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });

        app.MapPost("/connectors/{name}/restart", async (string name, HttpRequest request) =>
        {
            var runtime = registry.Get(name);
            var onlyFailed = request.Query["onlyFailed"] == "true";
            var includeTasks = request.Query["includeTasks"] == "true";
            if (!onlyFailed || runtime.State == ConnectorState.Failed)
            {
                await runtime.RestartAsync();
            }

            return includeTasks || onlyFailed
                ? Json(Status(name, runtime, workerId()), StatusCodes.Status202Accepted)
                : Results.NoContent();
        });

        app.MapPost("/connectors/{name}/tasks/{task:int}/restart", async (string name, int task) =>
        {
            if (task != 0)
            {
                throw new NotFoundException($"Task {name}-{task} not found");
            }

            await registry.Get(name).RestartAsync();
            return Results.NoContent();
        });

        app.MapPut("/connectors/{name}/pause", async (string name, CancellationToken cancellation) =>
        {
            await registry.PauseAsync(name, cancellation);
            return Results.Accepted();
        });

        app.MapPut("/connectors/{name}/resume", async (string name, CancellationToken cancellation) =>
        {
            await registry.ResumeAsync(name, cancellation);
            return Results.Accepted();
        });

        app.MapDelete("/connectors/{name}", async (string name, CancellationToken cancellation) =>
        {
            await registry.DeleteAsync(name, cancellation);
            return Results.NoContent();
        });
    }

    /// <summary>Turns the API's exceptions into Connect's <c>{"error_code", "message"}</c> bodies.</summary>
    public static async Task HandleErrorsAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (Exception e) when (!context.Response.HasStarted && Classify(e) is { } status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["error_code"] = status, ["message"] = e.Message }.ToJsonString(Output));
        }
    }

    private static int? Classify(Exception e) => e switch
    {
        ConnectorConfigException or BadRequestException or JsonException => StatusCodes.Status400BadRequest,
        ConnectorNotFoundException or NotFoundException => StatusCodes.Status404NotFound,
        ConnectorExistsException => StatusCodes.Status409Conflict,
        OperationCanceledException => null,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static JsonObject Info(string name, IReadOnlyDictionary<string, string> config) => new()
    {
        ["name"] = name,
        ["config"] = ConfigJson(config),
        ["tasks"] = new JsonArray(new JsonObject { ["connector"] = name, ["task"] = 0 }),
        ["type"] = "source",
    };

    private static JsonObject ConfigJson(IReadOnlyDictionary<string, string> config)
    {
        var json = new JsonObject();
        foreach (var (key, value) in config)
        {
            json[key] = value;
        }

        return json;
    }

    private static JsonObject Status(string name, ConnectorRuntime runtime, string workerId) => new()
    {
        ["name"] = name,
        ["connector"] = new JsonObject
        {
            ["state"] = runtime.InstanceState.ToConnectName(),
            ["worker_id"] = workerId,
        },
        ["tasks"] = new JsonArray(TaskStatus(runtime, workerId)),
        ["type"] = "source",
    };

    private static JsonObject TaskStatus(ConnectorRuntime runtime, string workerId)
    {
        var status = new JsonObject
        {
            ["id"] = 0,
            ["state"] = runtime.State.ToConnectName(),
            ["worker_id"] = workerId,
        };
        if (runtime.Trace is { } trace)
        {
            status["trace"] = trace;
        }

        return status;
    }

    private static async Task<Dictionary<string, string>> ReadConfigAsync(HttpRequest request, bool wrapped)
    {
        using var body = await ReadBodyAsync(request);
        var root = wrapped ? body.RootElement.GetProperty("config") : body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequestException("The request body must be a JSON object of string settings.");
        }

        return ToConfig(root);
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpRequest request)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body);
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"The request body is not valid JSON: {e.Message}");
        }
    }

    // Connect's Jackson mapping accepts numbers and booleans for Map<String, String> values and keeps their text.
    private static Dictionary<string, string> ToConfig(JsonElement element)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            config[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                JsonValueKind.Null => "",
                _ => throw new BadRequestException($"The value of '{property.Name}' must be a string, not {property.Value.ValueKind}."),
            };
        }

        return config;
    }

    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK, string? location = null) =>
        new JsonNodeResult(node, status, location);

    private sealed class JsonNodeResult(JsonNode node, int status, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            if (location is not null)
            {
                context.Response.Headers.Location = location;
            }

            return context.Response.WriteAsync(node.ToJsonString(Output));
        }
    }
}

/// <summary>A request the API cannot act on; answered with 400 and the message.</summary>
public sealed class BadRequestException(string message) : Exception(message);

/// <summary>A resource that does not exist; answered with 404 and the message.</summary>
public sealed class NotFoundException(string message) : Exception(message);
