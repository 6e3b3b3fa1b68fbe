using System.Threading.RateLimiting;
using Handoff.Gateway.Errors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.RateLimits;

/// <summary>Fixed-window limits per client IP address, one for the webhooks and one for the agent API.</summary>
public static class RateLimitExtensions
{
    public const string WebhooksPolicy = "webhooks";
    public const string ApiPolicy = "api";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.AddPolicy(WebhooksPolicy, context => PerSource(context, limits.Value.Webhooks));
            limiter.AddPolicy(ApiPolicy, context => PerSource(context, limits.Value.Api));
            limiter.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                await ErrorShapes.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ct);
            };
        });
        return builder;
    }

    // Behind a load balancer the source is the balancer unless forwarded headers are configured for it.
    private static RateLimitPartition<string> PerSource(HttpContext context, WindowLimit limit) =>
        RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            QueueLimit = 0,
        });
}
