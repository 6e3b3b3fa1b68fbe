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
    // Keeps the row offset, (page - 1) * pageSize, well inside an int.
    private const int MaxPage = 1_000_000;

    public static RouteGroupBuilder MapListConversations(this RouteGroupBuilder api)
    {
        api.MapGet("/", async (string? status, int? page, int? pageSize, AgentScope scope, IQuerySession session, CancellationToken ct) =>
            {
                ConversationStatus? wanted = null;
                if (!string.IsNullOrEmpty(status))
                {
                    // By name only: Enum.TryParse would also take numbers, padding and "waiting,active" (a bitwise OR).
                    if (Enum.GetValues<ConversationStatus>().Where(s => string.Equals(s.ToString(), status, StringComparison.OrdinalIgnoreCase))
                            .Cast<ConversationStatus?>().FirstOrDefault() is not { } parsed)
                        return ApiErrors.BadRequest("invalid_status", "status must be one of pending, waiting, active, closed.");
                    wanted = parsed;
                }
                var (p, size) = (page ?? 1, pageSize ?? 50);
                if (p < 1 || p > MaxPage || size < 1 || size > MaxPageSize)
                    return ApiErrors.BadRequest("invalid_paging", $"page must be between 1 and {MaxPage} and pageSize between 1 and {MaxPageSize}.");

                var query = session.Query<ConversationView>().AsQueryable();
                if (wanted is { } s) query = query.Where(v => v.Status == s);
                if (!scope.IsSupervisor)
                {
                    var bots = scope.Bots.ToArray();
                    query = query.Where(v => v.BotId != null && bots.Contains(v.BotId));
                }
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
