using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Handoff.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Handoff.Outbound.Operations;

public sealed record DeliveryList(IReadOnlyList<DeliveryRecord> Items);

public sealed record ReplayResult(int Replayed);

/// <summary>
/// The operators' view of deliveries, <c>/api/deliveries</c>, reached through the Gateway: list and read them, replay
/// the failed ones. Supervisors only, with the same tokens as the agent API.
/// </summary>
public static partial class DeliveriesApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
    private const string SinceFormat = "since must be an ISO-8601 time with a UTC offset, e.g. 2025-11-25T09:30:00Z (in a query string, + is %2B).";

    public static IHostApplicationBuilder AddDeliveriesApi(this IHostApplicationBuilder builder)
    {
        // Delivering is this service's job, the API a side door: without Auth:* it stays shut (401) rather than
        // keeping deliveries from starting.
        builder.AddAgentAuth(requireConfiguration: false);
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            // Operators reach this API through the Gateway: no server URL naming this service's own address.
            document.Servers = [];
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapDeliveriesApi(this WebApplication app)
    {
        app.UseAgentAuth();
        // Under /api/deliveries, so the Gateway's route to this service carries it too.
        app.MapOpenApi("/api/deliveries/openapi/{documentName}.json").AllowAnonymous();

        var api = app.MapGroup("/api/deliveries").RequireAuthorization(AgentAuth.SupervisorPolicy).WithTags("Deliveries");
        api.MapGet("/", List)
            .WithName("ListDeliveries")
            .Produces<DeliveryList>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest);
        api.MapGet("/{id}", Get)
            .WithName("GetDelivery")
            .Produces<DeliveryRecord>()
            .Produces<ApiError>(StatusCodes.Status404NotFound);
        api.MapPost("/{id}/replay", Replay)
            .WithName("ReplayDelivery")
            .Produces<ReplayResult>(StatusCodes.Status202Accepted)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        api.MapPost("/replay", ReplayFailedSince)
            .WithName("ReplayFailedDeliveries")
            .Produces<ReplayResult>(StatusCodes.Status202Accepted)
            .Produces<ApiError>(StatusCodes.Status400BadRequest);
        return app;
    }

    // Query values are bound as text and read here, so that a bad one is answered with a code naming it.
    private static async Task<IResult> List(
        string? status, string? since, string? offset, string? limit, [FromServices] IDeliveryOperations deliveries, CancellationToken ct)
    {
        var wanted = DeliveryStatus.Failed;
        if (!string.IsNullOrEmpty(status))
        {
            // By name only: Enum.TryParse would also take numbers and "failed,pending" (a bitwise OR).
            if (Enum.GetValues<DeliveryStatus>().Where(s => string.Equals(s.ToString(), status, StringComparison.OrdinalIgnoreCase))
                    .Cast<DeliveryStatus?>().FirstOrDefault() is not { } parsed)
                return BadRequest("invalid_status", "status must be one of failed, pending, delivered.");
            wanted = parsed;
        }
        DateTimeOffset? from = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (!TryParseTime(since, out var time)) return BadRequest("invalid_since", SinceFormat);
            // The store filters by failure time; pending and delivered deliveries have none.
            if (wanted != DeliveryStatus.Failed) return BadRequest("invalid_since", "since applies to status=failed only.");
            from = time;
        }
        if (!TryParseCount(offset, 0, 0, int.MaxValue, out var skip))
            return BadRequest("invalid_offset", "offset must be a whole number, 0 or more.");
        if (!TryParseCount(limit, DefaultLimit, 1, MaxLimit, out var take))
            return BadRequest("invalid_limit", $"limit must be a whole number between 1 and {MaxLimit}.");

        return Results.Ok(new DeliveryList(await deliveries.List(wanted, from, skip, take, ct)));
    }

    // An id that is not a GUID names no delivery: 404, as for one that does not exist.
    private static async Task<IResult> Get(string id, [FromServices] IDeliveryOperations deliveries, CancellationToken ct) =>
        Guid.TryParse(id, out var key) && await deliveries.Get(key, ct) is { } delivery ? Results.Ok(delivery) : NotFound();

    private static async Task<IResult> Replay(string id, ClaimsPrincipal user, [FromServices] IDeliveryOperations deliveries, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var key)) return NotFound();
        var outcome = await deliveries.Replay(key, user.AgentId(), ct);
        return outcome switch
        {
            ReplayOutcome.Replayed => Results.Accepted(value: new ReplayResult(1)),
            ReplayOutcome.NotFound => NotFound(),
            ReplayOutcome.NotFailed => Results.Conflict(new ApiError("delivery_not_failed", "Only a failed delivery can be replayed.")),
            _ => throw new InvalidOperationException($"Unknown replay outcome {outcome}"),
        };
    }

    private static async Task<IResult> ReplayFailedSince(string? since, ClaimsPrincipal user, [FromServices] IDeliveryOperations deliveries, CancellationToken ct)
    {
        // Required: replaying every dead letter ever kept is too big a step to take by leaving a parameter out.
        if (!TryParseTime(since, out var from)) return BadRequest("invalid_since", SinceFormat);
        return Results.Accepted(value: new ReplayResult(await deliveries.ReplayFailedSince(from, user.AgentId(), ct)));
    }

    private static IResult BadRequest(string code, string message) => Results.BadRequest(new ApiError(code, message));

    private static IResult NotFound() => Results.NotFound(new ApiError("delivery_not_found", "No such delivery."));

    /// <summary>ISO-8601 with an explicit offset: a time without one would be read in this server's zone, which no operator sees.</summary>
    private static bool TryParseTime(string? value, out DateTimeOffset time)
    {
        time = default;
        return value is not null && IsoTime().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static bool TryParseCount(string? value, int fallback, int min, int max, out int count)
    {
        count = fallback;
        if (string.IsNullOrEmpty(value)) return true;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= min && count <= max;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})$")]
    private static partial Regex IsoTime();
}
