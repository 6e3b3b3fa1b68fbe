namespace Handoff.Gateway.Proxy;

/// <summary>
/// /api/deliveries/** goes to Outbound (the operators' API), the rest of /api/** to Conversations (the agent API): YARP
/// takes the most specific matching route. Routes and clusters live in the <c>ReverseProxy</c> configuration section.
/// </summary>
public static class ProxyExtensions
{
    public static IHostApplicationBuilder AddApiProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        return builder;
    }
}
