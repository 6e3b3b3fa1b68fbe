using Handoff.Contracts;
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
            var group = app.MapGroup(prefix).WithTags("AltaBots webhooks");
            group.MapPost("/conversation/establish", (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<EstablishConversation>(request, WebhookParser.Establish, c => c.ConversationId));
            group.MapPost("/chat", (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<PostUserMessage>(request, WebhookParser.Chat, c => c.ConversationId));
            group.MapPost("/conversation/close", (HttpRequest request, WebhookHandler handler) =>
                handler.HandleAsync<RecordPlatformClose>(request, WebhookParser.Close, c => c.ConversationId));
        }
        return app;
    }
}
