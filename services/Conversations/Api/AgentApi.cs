using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Conversations.Assignment;
using Handoff.Conversations.Closing;
using Handoff.Conversations.GetConversation;
using Handoff.Conversations.ListConversations;
using Handoff.Conversations.Replies;
using Microsoft.AspNetCore.Http.Json;

namespace Handoff.Conversations.Api;

/// <summary>Field limits of the agent API (<c>AgentApi:*</c>).</summary>
public sealed class AgentApiOptions
{
    public const string Section = "AgentApi";

    /// <summary>Longest reply an agent may send, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxTextLength { get; set; } = 8000;

    /// <summary>Longest agent id accepted in an assignment.</summary>
    [Range(16, 1024)]
    public int MaxIdLength { get; set; } = 128;
}

public static class AgentApi
{
    public static IHostApplicationBuilder AddAgentApi(this IHostApplicationBuilder builder)
    {
        builder.AddAgentAuth();
        builder.Services.AddExceptionHandler<BusyConversationHandler>();
        var services = builder.Services;
        services.AddOptions<AgentApiOptions>().BindConfiguration(AgentApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            // {"text":"a","text":"b"} is ambiguous; whichever one we took, a proxy or log in between may have read the other.
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            // Agents reach this API through the Gateway; a server URL naming this service's own address would
            // send the docs page's "try it out" calls around it.
            document.Servers = [];
            return Task.CompletedTask;
        }));
        services.AddSingleton(TimeProvider.System);
        return builder;
    }

    public static WebApplication MapAgentApi(this WebApplication app)
    {
        app.UseAgentAuth();
        app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();

        app.MapGroup("/api/conversations")
            .RequireAuthorization(AgentAuth.AgentPolicy)
            .WithTags("Conversations")
            .MapListConversations()
            .MapGetConversation()
            .MapReply()
            .MapAssign()
            .MapClose();
        return app;
    }
}
