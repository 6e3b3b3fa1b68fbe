using Handoff.Gateway.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.WebhookSecurity;

public static class WebhookSecurityExtensions
{
    public static IHostApplicationBuilder AddWebhookSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookSecurityOptions>()
            .BindConfiguration(WebhookSecurityOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<WebhookSecurityOptions>>().Value;
            // Remembered for the whole window in which a timestamp still passes, on either side of now.
            return new ReplayGuard(options.ReplayCacheSize, 2 * options.SignatureTolerance, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<WebhookAuthenticator>();

        // The hosting diagnostics log "Request starting ... /hooks/{secret}/chat?secret=..." and, for every log line of
        // the request, a scope carrying the raw path: both would put the webhook secret in the logs. It creates that
        // scope only when this category is enabled, so it is switched off here, after (and over) any configuration.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        return builder;
    }

    /// <summary>Before routing: moves a secret in the path out of it (see <see cref="WebhookSecretInPath"/>).</summary>
    public static WebApplication UseWebhookSecretInPath(this WebApplication app)
    {
        var gateway = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var security = app.Services.GetRequiredService<IOptions<WebhookSecurityOptions>>().Value;
        if (security.AuthenticationOff)
            app.Logger.LogWarning("Webhook authentication is OFF (Gateway:Webhooks:AllowUnauthenticated): anyone can post conversations");
        else if (security.AllowUnauthenticated)
            app.Logger.LogWarning("Gateway:Webhooks:AllowUnauthenticated is set, but a webhook secret is configured: webhook authentication stays on");
        app.UseWebhookSecretInPath(WebhookEndpoints.Paths(gateway), security.QueryParameter);
        return app;
    }
}
