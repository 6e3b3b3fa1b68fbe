using Handoff.ServiceDefaults;
using JasperFx.Events;
using Marten;

namespace Handoff.Conversations.Conversations;

public static class ConversationWriter
{
    /// <summary>
    /// Loads the conversation, decides and appends to <paramref name="session"/> without saving, so
    /// several commands can share one unit of work; the caller saves.
    /// </summary>
    public static async Task<Decision> DecideAsync(
        this IDocumentSession session, string conversationId, Func<Conversation, Decision> decide, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Conversation>(conversationId, ct);
        var decision = decide(stream.Aggregate ?? Conversation.Initial(conversationId));
        if (decision.Rejection is null && decision.Events.Count > 0)
        {
            // The subscription that publishes these runs in the background: the header lets it continue this trace.
            if (TraceContext.Current is { } trace) session.SetHeader(TraceContext.Header, trace);
            stream.AppendMany(decision.Events);
        }
        return decision;
    }

    /// <summary>
    /// Decide and save in a fresh session, deciding again if another writer got there first. A busy conversation (the
    /// command lanes, the agent API and Outbound's delivery reports all append to its stream) can lose several rounds in a
    /// row; a short random wait between them keeps the writers from colliding in step. After the last round the conflict
    /// is thrown: the API answers it 503, a consumer retries the message.
    /// </summary>
    public static async Task<Decision> DecideAndSaveAsync(
        this IDocumentStore store, string conversationId, Func<Conversation, Decision> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var decision = await session.DecideAsync(conversationId, decide, ct);
            try
            {
                await session.SaveChangesAsync(ct);
                return decision;
            }
            catch (Exception e) when (attempt < MaxRounds && IsConcurrencyConflict(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
            }
        }
    }

    private const int MaxRounds = 10;

    public static bool IsConcurrencyConflict(Exception e) =>
        e is EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException or ExistingStreamIdCollisionException
        || e.InnerException is { } inner && IsConcurrencyConflict(inner);
}
