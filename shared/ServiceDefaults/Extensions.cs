using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Handoff.ServiceDefaults;

/// <summary>What every Handoff service shares: telemetry, health endpoints and HttpClient resilience.</summary>
public static class Extensions
{
    /// <summary>The port that alone serves <see cref="MetricsPath"/>, when set (deploy/k8s sets 9464); unset, every port does.</summary>
    public const string MetricsPortKey = "Metrics:Port";

    public const string MetricsPath = "/metrics";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static IHostApplicationBuilder AddDefaultTelemetry(this IHostApplicationBuilder builder)
    {
        // Each record carries the trace and span ids of the activity it was written in: OTLP exports them as fields,
        // and a console formatter with IncludeScopes prints them.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter("MassTransit", "Marten", "Npgsql", "Handoff.*")
                    // Scraped by Prometheus at /metrics (see MapDefaultEndpoints); OTLP below is independent of it. Every series
                    // carries service_name (OTEL_SERVICE_NAME), which deploy/grafana/handoff.json selects services by.
                    .AddPrometheusExporter(o => o.ResourceConstantLabels = attribute => attribute == "service.name");
                // A meter made by another host's IMeterFactory in this process (the tests run several hosts at once) is that
                // host's. Counted here too, its instruments would clash with this host's and take them along when it stops.
                // MassTransit's is the exception: one per process, made by the factory of the first bus.
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, configured) =>
                {
                    var own = services.GetRequiredService<IMeterFactory>();
                    configured.AddView(instrument =>
                        instrument.Meter.Scope is IMeterFactory other && !ReferenceEquals(other, own) && instrument.Meter.Name != "MassTransit"
                            ? MetricStreamConfiguration.Drop : null);
                });
            })
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                // Npgsql emits its own ActivitySource; Npgsql.OpenTelemetry would lift Npgsql to 10, which Marten 9 is not built for.
                .AddSource("MassTransit", "Marten", "Npgsql", "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber", "Handoff.*")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsOperational(ctx.Request.Path))
                .AddHttpClientInstrumentation());

        // Only the standard OTEL_* variables are needed; nothing is exported without an endpoint.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();

        return builder;
    }

    /// <summary>
    /// /health/live says the process runs; /health/ready also checks its broker and database. /metrics is the
    /// Prometheus scrape, on <see cref="MetricsPortKey"/> only when that is set: the Gateway's own port is public.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            // MassTransit reports a bus whose receive endpoints lost the broker as Degraded, which would still answer 200.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });

        var metricsPort = app.Configuration.GetValue<int?>(MetricsPortKey);
        // The local port, not the Host header, which a client can set to anything.
        app.UseWhen(ctx => ctx.Request.Path == MetricsPath && (metricsPort is null || ctx.Connection.LocalPort == metricsPort), scrape => scrape
            .Use((ctx, next) =>
            {
                // Scrapes are not traffic: keep them out of http.server.request.duration.
                if (ctx.Features.Get<IHttpMetricsTagsFeature>() is { } tags) tags.MetricsDisabled = true;
                return next(ctx);
            })
            .UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath));
        return app;
    }

    private static bool IsOperational(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);
}
