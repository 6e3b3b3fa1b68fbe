using Handoff.Conversations.Api;
using Handoff.Conversations.Conversations;
using Handoff.Conversations.GetConversation;
using Marten;
using Marten.Pagination;

namespace Handoff.Conversations.ListConversations;

public record ConversationSummary(
    string Id, ConversationStatus Status, string? BotId, ConversationUser? User, string? AssignedAgent, int Session,
    DateTimeOffset CreatedAt, DateTimeOffset LastActivityAt, DateTimeOffset? ClosedAt, ClosingReason? CloseReason);

public record ConversationPage(IReadOnlyList<ConversationSummary> Items, int Page, int PageSize, long Total);

public static class ListConversationsEndpoint
{
    private const int MaxPageSize = 200;

    public static RouteGroupBuilder MapListConversations(this RouteGroupBuilder api)
    {
        api.MapGet("/", async (string? status, int? page, int? pageSize, IQuerySession session, CancellationToken ct) =>
            {
                ConversationStatus? wanted = null;
                if (!string.IsNullOrEmpty(status))
                {
                    if (!Enum.TryParse<ConversationStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
                        return ApiErrors.BadRequest("invalid_status", "status must be one of pending, waiting, active, closed.");
                    wanted = parsed;
                }
                var (p, size) = (page ?? 1, pageSize ?? 50);
                if (p < 1 || size < 1 || size > MaxPageSize)
                    return ApiErrors.BadRequest("invalid_paging", $"page must be at least 1 and pageSize between 1 and {MaxPageSize}.");

                var query = session.Query<ConversationView>().AsQueryable();
                if (wanted is { } s) query = query.Where(v => v.Status == s);
                var found = await query.OrderByDescending(v => v.LastActivityAt).ToPagedListAsync(p, size, ct);
                var items = found.Select(v => new ConversationSummary(
                    v.Id, v.Status, v.BotId, v.User, v.AssignedAgent, v.Session, v.CreatedAt, v.LastActivityAt, v.ClosedAt, v.CloseReason)).ToList();
                return Results.Ok(new ConversationPage(items, p, size, found.TotalItemCount));
            })
            .WithName("ListConversations")
            .Produces<ConversationPage>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest);
        return api;
    }
}
