using System.Text;
using Handoff.Gateway.Errors;
using Handoff.Gateway.RateLimits;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Handoff.Gateway.Proxy;

/// <summary>
/// /api/deliveries/** goes to Outbound (the operators' API), the rest of /api/** to Conversations (the agent API): YARP
/// takes the most specific matching route. Routes and clusters live in the <c>ReverseProxy</c> configuration section.
/// </summary>
public static class ProxyExtensions
{
    public static IHostApplicationBuilder AddApiProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            // Kestrel accepts UTF-8 in header values, but the client that forwards them sends only ASCII unless told
            // otherwise: a caller's "X-Name: é" was a 502. The bytes go on as they came, and the destination's Kestrel
            // reads them as this one did.
            .ConfigureHttpClient((_, handler) => handler.RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8)
            .AddTransforms(transforms => transforms.AddResponseTransform(ShapeErrors));
        return builder;
    }

    /// <summary>The proxy's pipeline: YARP's own steps, after a check of what only the edge can turn away cleanly.</summary>
    public static WebApplication MapApiProxy(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(RefuseUnreadableCharset);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        }).RequireRateLimiting(RateLimitExtensions.ApiPolicy);
        return app;
    }

    /// <summary>
    /// The APIs read JSON, which is UTF-8 (RFC 8259). A body declared in a charset .NET does not know
    /// (<c>application/json; charset=bogus</c>) made ASP.NET's JSON reading throw in Conversations, a 500; it is refused here.
    /// </summary>
    private static Task RefuseUnreadableCharset(HttpContext context, Func<Task> next)
    {
        if (context.Request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.Charset.HasValue && !IsUtf8(media.Charset.Value!.Trim('"')))
            return ErrorShapes.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType);
        return next();
    }

    // Only the registered name: .NET does not know "utf8", and the service behind would refuse it as unknown.
    private static bool IsUtf8(string charset) => charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The public edge answers every refusal in the APIs' shape, whatever answered it behind the proxy: a destination's
    /// server refuses some requests before its code runs, with a status and no body (headers over its limit once the proxy
    /// has added its own, a URL the proxy re-encoded longer), and a library may answer in plain text (the OpenAPI
    /// endpoint's 404 for a document it does not have). The status stays; only the body is replaced.
    /// </summary>
    private static async ValueTask ShapeErrors(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not { } response || (int)response.StatusCode < 400 || HttpMethods.IsHead(context.HttpContext.Request.Method)
            || IsJson(response.Content.Headers.ContentType?.MediaType))
            return;
        context.SuppressResponseBody = true;
        context.HttpContext.Response.ContentLength = null;
        await ErrorShapes.WriteAsync(context.HttpContext, (int)response.StatusCode);
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
