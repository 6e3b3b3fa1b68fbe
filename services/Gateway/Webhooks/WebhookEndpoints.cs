using Handoff.Contracts;
using Handoff.Gateway.RateLimits;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.Webhooks;

public static class WebhookEndpoints
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<WebhookHandler>();
        return builder;
    }

    /// <summary>The three AltaBots webhooks, under every configured prefix.</summary>
    public static WebApplication MapWebhooks(this WebApplication app)
    {
        var prefixes = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.EffectivePathPrefixes();
        foreach (var prefix in prefixes)
        {
            var group = app.MapGroup(prefix).WithTags("AltaBots webhooks").RequireRateLimiting(RateLimitExtensions.WebhooksPolicy);
            group.MapPost(Establish, (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<EstablishConversation>(request, WebhookParser.Establish, c => c.ConversationId));
            group.MapPost(Chat, (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<PostUserMessage>(request, WebhookParser.Chat, c => c.ConversationId));
            group.MapPost(Close, (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<RecordPlatformClose>(request, WebhookParser.Close, c => c.ConversationId));
        }
        return app;
    }

    /// <summary>
    /// Unknown paths and methods answer in the webhook shape too (AltaBots reads nothing else). The agent API's own
    /// errors pass through the proxy untouched.
    /// </summary>
    public static WebApplication UseWebhookErrorShape(this WebApplication app)
    {
        // Never the developer exception page: it lists the request's headers and query, where a webhook secret travels.
        app.UseExceptionHandler(failed => failed.Run(context =>
            context.Response.WriteAsJsonAsync(new WebhookReply(StatusCodes.Status500InternalServerError, "internal error"))));
        app.UseStatusCodePages(context => context.HttpContext.Request.Path.StartsWithSegments("/api")
            ? Task.CompletedTask
            : context.HttpContext.Response.WriteAsJsonAsync(new WebhookReply(context.HttpContext.Response.StatusCode,
                ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode).ToLowerInvariant())));
        return app;
    }

    private const string Establish = "/conversation/establish", Chat = "/chat", Close = "/conversation/close";

    /// <summary>Every path a webhook is served at, e.g. "/chat" and "/human/service/chat".</summary>
    public static IReadOnlyCollection<string> Paths(GatewayOptions options) =>
        options.EffectivePathPrefixes().SelectMany(p => new[] { p + Establish, p + Chat, p + Close }).ToList();
}
