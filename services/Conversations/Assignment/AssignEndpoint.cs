using Handoff.Conversations.Api;
using Handoff.Conversations.Conversations;
using Handoff.Conversations.GetConversation;
using Marten;
using Microsoft.Extensions.Options;

namespace Handoff.Conversations.Assignment;

public record AssignRequest(string? AgentId);

public static class AssignEndpoint
{
    public static RouteGroupBuilder MapAssign(this RouteGroupBuilder api)
    {
        api.MapPost("/{conversationId}/assign", async (
                string conversationId, AssignRequest? request, AgentScope scope, IOptions<AgentApiOptions> limits, IDocumentStore store,
                TimeProvider clock, CancellationToken ct) =>
            {
                var agentId = request?.AgentId ?? "";
                if (agentId.Length > limits.Value.MaxIdLength || agentId.Any(char.IsControl))
                    return ApiErrors.BadRequest("invalid_agent", $"The agent id must be at most {limits.Value.MaxIdLength} printable characters.");
                if (!await scope.MaySeeAsync(store, conversationId, ct)) return ApiErrors.NotFound();
                // Handing a conversation to someone else is a supervisor's call; an agent takes conversations for themselves.
                if (!scope.IsSupervisor && agentId.Length > 0 && agentId != scope.AgentId)
                    return ApiErrors.Forbidden("An agent may assign a conversation only to themselves.");
                var command = new AssignAgent(conversationId, agentId);
                var decision = await store.DecideAndSaveAsync(conversationId, s => ConversationDecider.Decide(command, s, clock.GetUtcNow()), ct);
                if (decision.Rejection is { } rejection) return rejection.ToResult();
                await using var session = store.QuerySession();
                return Results.Ok(await session.LoadAsync<ConversationView>(conversationId, ct));
            })
            .WithName("AssignConversation")
            .Produces<ConversationView>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status403Forbidden)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        return api;
    }
}
