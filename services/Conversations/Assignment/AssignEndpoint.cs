using Handoff.Conversations.Api;
using Handoff.Conversations.Conversations;
using Handoff.Conversations.GetConversation;
using Marten;

namespace Handoff.Conversations.Assignment;

public record AssignRequest(string? AgentId);

public static class AssignEndpoint
{
    public static RouteGroupBuilder MapAssign(this RouteGroupBuilder api)
    {
        api.MapPost("/{conversationId}/assign", async (
                string conversationId, AssignRequest? request, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
            {
                var command = new AssignAgent(conversationId, request?.AgentId ?? "");
                var decision = await store.DecideAndSaveAsync(conversationId, s => ConversationDecider.Decide(command, s, clock.GetUtcNow()), ct);
                if (decision.Rejection is { } rejection) return rejection.ToResult();
                await using var session = store.QuerySession();
                return Results.Ok(await session.LoadAsync<ConversationView>(conversationId, ct));
            })
            .WithName("AssignConversation")
            .Produces<ConversationView>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        return api;
    }
}
