using Handoff.Conversations.Api;
using Marten;

namespace Handoff.Conversations.GetConversation;

public static class GetConversationEndpoint
{
    public static RouteGroupBuilder MapGetConversation(this RouteGroupBuilder api)
    {
        api.MapGet("/{conversationId}", async (string conversationId, AgentScope scope, IQuerySession session, CancellationToken ct) =>
                await session.LoadAsync<ConversationView>(conversationId, ct) is { } view && scope.Sees(view.BotId)
                    ? Results.Ok(view)
                    : ApiErrors.NotFound())
            .WithName("GetConversation")
            .Produces<ConversationView>()
            .Produces<ApiError>(StatusCodes.Status404NotFound);
        return api;
    }
}
