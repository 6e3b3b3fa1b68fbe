using Handoff.Conversations.Conversations;
using Microsoft.AspNetCore.Diagnostics;

namespace Handoff.Conversations.Api;

/// <summary>
/// Writers kept colliding on one conversation's stream (see <see cref="ConversationWriter.DecideAndSaveAsync"/>): nothing
/// was decided, so the agent may simply send again. A 503 with Retry-After says so; a 500 would say we failed.
/// </summary>
public sealed class BusyConversationHandler(ILogger<BusyConversationHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!ConversationWriter.IsConcurrencyConflict(exception)) return false;
        logger.LogWarning("Gave up a request to {Path} after repeated write conflicts on its conversation", context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        await context.Response.WriteAsJsonAsync(new ApiError("conversation_busy",
            "The conversation is being written by others right now and nothing was changed; send the request again."), ct);
        return true;
    }
}
