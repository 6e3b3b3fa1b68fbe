using Handoff.Conversations.Api;
using Handoff.Conversations.Conversations;
using Marten;
using Microsoft.Extensions.Options;

namespace Handoff.Conversations.Replies;

public record ReplyRequest(string? Text);

public record ReplyAccepted(long Sequence);

public static class ReplyEndpoint
{
    public static RouteGroupBuilder MapReply(this RouteGroupBuilder api)
    {
        api.MapPost("/{conversationId}/messages", async (
                string conversationId, ReplyRequest? request, AgentScope scope, IOptions<AgentApiOptions> limits, IDocumentStore store,
                TimeProvider clock, CancellationToken ct) =>
            {
                if (request?.Text is { } text && text.Length > limits.Value.MaxTextLength)
                    return ApiErrors.BadRequest("text_too_long", $"The message text must be at most {limits.Value.MaxTextLength} characters.");
                if (!await scope.MaySeeAsync(store, conversationId, ct)) return ApiErrors.NotFound();
                var command = new ReplyAsAgent(conversationId, scope.AgentId, request?.Text ?? "");
                var decision = await store.DecideAndSaveAsync(conversationId, s => ConversationDecider.Decide(command, s, clock.GetUtcNow()), ct);
                return decision.Rejection is { } rejection
                    ? rejection.ToResult()
                    : Results.Accepted(value: new ReplyAccepted(decision.Events.OfType<AgentReplyPosted>().Single().Sequence));
            })
            .WithName("ReplyToConversation")
            .Produces<ReplyAccepted>(StatusCodes.Status202Accepted)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        return api;
    }
}
