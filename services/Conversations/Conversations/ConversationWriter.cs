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
                await session.SaveAndMeasureAsync(ct);
                return decision;
            }
            catch (Exception e) when (attempt < MaxRounds && IsConcurrencyConflict(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
            }
        }
    }

    private const int MaxRounds = 10;

    private static readonly System.Diagnostics.Metrics.Meter Meter = new("Handoff.Conversations.Store");

    private static readonly System.Diagnostics.Metrics.Histogram<double> AppendDuration = Meter.CreateHistogram<double>(
        "handoff.conversations.append.duration", "s", "Saving a decision: the events appended, the inline view updated, one transaction",
        advice: new System.Diagnostics.Metrics.InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>Saves the session and records how long the append took, by outcome (a write conflict is an outcome too).</summary>
    public static async Task SaveAndMeasureAsync(this IDocumentSession session, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "saved";
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e)
        {
            outcome = IsConcurrencyConflict(e) ? "conflict" : "failed";
            throw;
        }
        finally
        {
            AppendDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public static bool IsConcurrencyConflict(Exception e) =>
        e is EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException or ExistingStreamIdCollisionException
        || e.InnerException is { } inner && IsConcurrencyConflict(inner);
}
