using Handoff.Gateway.Webhooks;
using Handoff.ServiceDefaults;
using Microsoft.AspNetCore.WebUtilities;

namespace Handoff.Gateway.Errors;

/// <summary>
/// Whatever the Gateway answers itself comes in the shape its caller reads: AltaBots' <see cref="WebhookReply"/>
/// (<c>{"code":401,…}</c>) outside <c>/api</c>, the agent and operator APIs' <see cref="ApiError"/> (<c>{"code":"word",…}</c>)
/// under it, so an API client reads one shape whether Conversations, Outbound or the Gateway refused. No message
/// echoes the request.
/// </summary>
public static class ErrorShapes
{
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    public static WebApplication UseErrorShapes(this WebApplication app)
    {
        // Never the developer exception page: it lists the request's headers and query, where a webhook secret travels.
        app.UseExceptionHandler(failed => failed.Run(context => WriteAsync(context, StatusCodes.Status500InternalServerError)));
        // Unknown paths and methods, and the proxy's own refusals (a body too large or cut short, a destination down),
        // which YARP answers with a status and no body. Answers with a body of their own are left alone.
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
        return app;
    }

    /// <summary>Sets <paramref name="status"/> and writes the error body of the caller's shape.</summary>
    public static Task WriteAsync(HttpContext context, int status, CancellationToken ct = default)
    {
        context.Response.StatusCode = status;
        return IsApi(context.Request)
            ? context.Response.WriteAsJsonAsync(Api(status), ct)
            : context.Response.WriteAsJsonAsync(new WebhookReply(status, Webhook(status)), ct);
    }

    public static ApiError Api(int status) => new(ApiError.CodeFor(status), status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read.",
        StatusCodes.Status408RequestTimeout => "The request body did not arrive in time.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status414UriTooLong => "The request URL is too long.",
        StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON in UTF-8.",
        StatusCodes.Status429TooManyRequests => "Too many requests, please retry later.",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "The request headers are too large.",
        StatusCodes.Status500InternalServerError => "Internal error.",
        StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout =>
            "The service behind the Gateway did not answer; retry later.",
        _ => "The request could not be served.",
    });

    private static string Webhook(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "too many requests, please retry later",
        StatusCodes.Status500InternalServerError => "internal error",
        _ => ReasonPhrases.GetReasonPhrase(status).ToLowerInvariant(),
    };
}
