namespace Handoff.Gateway.Docs;

public static class DocsExtensions
{
    /// <summary>Conversations owns the agent API document; the page reads it through the proxy, so it never goes stale here.</summary>
    public const string AgentApiDocument = "/api/openapi/v1.json";

    /// <summary>Outbound owns the operators' document, under the path the proxy sends to it.</summary>
    public const string DeliveriesApiDocument = "/api/deliveries/openapi/v1.json";

    public static WebApplication MapApiDocsPage(this WebApplication app)
    {
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.DocumentTitle = "Handoff agent API";
            o.SwaggerEndpoint(AgentApiDocument, "Handoff agent API v1");
            o.SwaggerEndpoint(DeliveriesApiDocument, "Handoff operator API (deliveries) v1");
        });
        return app;
    }
}
