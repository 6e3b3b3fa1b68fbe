using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Handoff.Outbound.AltaBots;

public static class AltaBotsRegistration
{
    public static IHostApplicationBuilder AddAltaBots(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AltaBotsOptions>()
            .Bind(builder.Configuration.GetSection(AltaBotsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var client = builder.Services.AddHttpClient<AltaBotsClient>((services, http) =>
        {
            var options = services.GetRequiredService<IOptions<AltaBotsOptions>>().Value;
            // A trailing slash keeps a regional path prefix (https://host/prefix) when the relative paths are joined.
            http.BaseAddress = new Uri(options.BaseUrl!.ToString().TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            http.Timeout = options.Timeout;
        });

        // Retries live in one place, the durable delivery queue (RetryPolicy, DeliveryDispatcher), which holds the
        // conversation's later messages back while one is retried. A resilience handler on this client (e.g. one added to
        // every client through ConfigureHttpClientDefaults) would multiply the attempts and cap them with its own timeout.
#pragma warning disable EXTEXP0001 // experimental, but the only way to opt one client out of handlers added to all clients
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }
}
