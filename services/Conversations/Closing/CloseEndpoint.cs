using Handoff.Conversations.Api;
using Handoff.Conversations.Conversations;
using Marten;

namespace Handoff.Conversations.Closing;

public static class CloseEndpoint
{
    public static RouteGroupBuilder MapClose(this RouteGroupBuilder api)
    {
        api.MapPost("/{conversationId}/close", async (
                string conversationId, AgentScope scope, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
            {
                if (!await scope.MaySeeAsync(store, conversationId, ct)) return ApiErrors.NotFound();
                var command = new CloseByAgent(conversationId, scope.AgentId);
                var decision = await store.DecideAndSaveAsync(conversationId, s => ConversationDecider.Decide(command, s, clock.GetUtcNow()), ct);
                return decision.Rejection is { } rejection ? rejection.ToResult() : Results.Accepted();
            })
            .WithName("CloseConversation")
            .Produces(StatusCodes.Status202Accepted)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        return api;
    }
}
