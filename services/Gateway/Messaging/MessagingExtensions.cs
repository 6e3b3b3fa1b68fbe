using Handoff.ServiceDefaults;
using MassTransit;

namespace Handoff.Gateway.Messaging;

public static class MessagingExtensions
{
    /// <summary>The Gateway only sends: no consumers, so no receive endpoints of its own.</summary>
    public static IHostApplicationBuilder AddGatewayMessaging(this IHostApplicationBuilder builder)
    {
        builder.AddHandoffMessaging(_ => { }, consumes: false);
        // With the broker down at start-up the Gateway must still come up and answer 503, not block the host.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = false);
        return builder;
    }
}
