using System.Diagnostics;

namespace Handoff.Gateway.WebhookSecurity;

/// <summary>
/// Serves every webhook also under <c>/hooks/{secret}</c>, for AltaBots, which can be given nothing but a base URL.
/// The secret is taken out of the path before routing, so it reaches neither the route, nor the endpoint's logs,
/// nor the span's <c>http.route</c>; the span's <c>url.path</c> and <c>url.query</c> are overwritten.
/// </summary>
public static class WebhookSecretInPath
{
    public const string ItemKey = "Handoff.WebhookSecret";
    public const string Root = "/hooks";
    private const string Redacted = "/hooks/{secret}";

    public static IApplicationBuilder UseWebhookSecretInPath(this IApplicationBuilder app, IReadOnlyCollection<string> webhookPaths, string queryParameter)
    {
        var known = new HashSet<string>(webhookPaths, StringComparer.OrdinalIgnoreCase);
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Query.ContainsKey(queryParameter))
                Activity.Current?.SetTag("url.query", null);
            if (request.Path.StartsWithSegments(Root, out var rest) && rest.Value is { Length: > 1 } value)
            {
                var slash = value.IndexOf('/', 1);
                var remainder = slash > 1 ? value[slash..] : "";
                Activity.Current?.SetTag("url.path", Redacted + remainder);
                if (!known.Contains(remainder))
                {
                    // Only webhooks live under /hooks: no way round the proxy's or the docs' own paths.
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsJsonAsync(new Webhooks.WebhookReply(StatusCodes.Status404NotFound, "not found"));
                    return;
                }
                context.Items[ItemKey] = value[1..slash];
                request.Path = remainder;
            }
            await next(context);
        });
    }
}
