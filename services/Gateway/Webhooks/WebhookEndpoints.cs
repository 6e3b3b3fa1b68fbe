using Handoff.Contracts;
using Handoff.Gateway.RateLimits;
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

    private const string Establish = "/conversation/establish", Chat = "/chat", Close = "/conversation/close";

    /// <summary>Every path a webhook is served at, e.g. "/chat" and "/human/service/chat".</summary>
    public static IReadOnlyCollection<string> Paths(GatewayOptions options) =>
        options.EffectivePathPrefixes().SelectMany(p => new[] { p + Establish, p + Chat, p + Close }).ToList();
}
