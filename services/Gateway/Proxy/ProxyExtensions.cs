namespace Handoff.Gateway.Proxy;

/// <summary>/api/** goes to Conversations; the routes and clusters live in the <c>ReverseProxy</c> configuration section.</summary>
public static class ProxyExtensions
{
    public static IHostApplicationBuilder AddConversationsProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        return builder;
    }
}
