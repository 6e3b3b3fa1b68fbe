using Handoff.Conversations.Conversations;
using Handoff.Conversations.GetConversation;
using Marten;

namespace Handoff.Conversations.Api;

public static class ApiErrors
{
    public static IResult NotFound() => ToResult(Rejection.NotFound);

    public static IResult BadRequest(string code, string message) => Results.BadRequest(new ApiError(code, message));

    public static IResult ToResult(this Rejection rejection)
    {
        var error = new ApiError(rejection.Code, rejection.Message);
        return rejection.Kind switch
        {
            RejectionKind.NotFound => Results.NotFound(error),
            RejectionKind.Conflict => Results.Conflict(error),
            _ => Results.BadRequest(error),
        };
    }

    public static IResult Forbidden(string message) => Results.Json(new ApiError("forbidden", message), statusCode: StatusCodes.Status403Forbidden);

    /// <summary>
    /// Whether the agent may act on the conversation, checked before anything is decided: another bot's conversation
    /// is answered 404 and left as it was. The bot of a conversation is fixed by its first establish.
    /// </summary>
    public static async Task<bool> MaySeeAsync(this AgentScope scope, IDocumentStore store, string conversationId, CancellationToken ct)
    {
        if (scope.IsSupervisor) return true;
        await using var session = store.QuerySession();
        return await session.LoadAsync<ConversationView>(conversationId, ct) is { } view && scope.Sees(view.BotId);
    }
}
