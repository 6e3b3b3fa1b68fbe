using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// Two instances each of Conversations, Outbound and Timeouts on one RabbitMQ and one PostgreSQL, as deploy/k8s runs them,
/// under one load of 200 interleaved conversations: each conversation in its own order (establish, then user chats and
/// agent replies alternating), all conversations at once, then left idle until the idle timer closes them.
/// The replicas compete for the same queues, so a conversation's messages reach different instances.
/// </summary>
public class ScaleOutSystem : HandoffSystem
{
    public const int Conversations = 200;
    public const int Chats = 3;
    public const int Replies = 2;

    protected override int Replicas => 2;

    // Seven processes share a PostgreSQL (max_connections 100) with the rest of the suite: small pools keep them within it.
    // The load comes from one address, as AltaBots' webhooks do, and the agent API is driven harder than an agent would.
    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
        new[] { "Conversations", "Outbound", "Timeouts" }
            .Select(s => (s, "ConnectionStrings__Postgres",
                $"{PostgresConnectionString};Maximum Pool Size=6;Connection Idle Lifetime=10;Application Name=e2e-{s}-{Id}"))
            .Append(("Gateway", "Gateway__RateLimits__Webhooks__PermitLimit", "100000"))
            .Append(("Gateway", "Gateway__RateLimits__Api__PermitLimit", "100000"));

    private Task<LoadResult>? load;

    /// <summary>
    /// What each conversation looked like once closed: its transcript in the agent API, why it closed, and what AltaBots
    /// received, read after the settling period.
    /// </summary>
    public sealed record Outcome(
        string Id, IReadOnlyList<(string Author, string Text, long Sequence, DateTimeOffset At)> Transcript, string? CloseReason,
        IReadOnlyList<ReceivedCall> Calls);

    /// <summary>The outcomes, and what reached AltaBots about the load's conversations once every one of them was closed.</summary>
    public sealed record LoadResult(
        IReadOnlyList<Outcome> Outcomes, IReadOnlyList<ReceivedCall> CallsAfterAllClosed, TimeSpan Settled, string Phases);

    /// <summary>The load, run once for all the facts of the class.</summary>
    public Task<LoadResult> Load()
    {
        lock (this) return load ??= RunLoad();
    }

    public static string Chat(string id, int k) => $"chat {k} of {id}";

    public static string Reply(string id, int k) => $"reply {k} to {id}";

    private const string Close = "/v1/human/close";

    private async Task<LoadResult> RunLoad()
    {
        var ids = Enumerable.Range(0, Conversations).Select(i => $"scale{i:D3}{Guid.NewGuid():N}"[..24]).ToArray();
        var clock = Stopwatch.StartNew();
        await using (var agent = new AgentQueue(this))
            await Task.WhenAll(ids.Select((id, i) => Converse(id, i, agent)));
        var conversed = clock.Elapsed;

        // Generous: on this shared machine the closes were seen decided up to 20 s after they fell due, the timers' events
        // queued behind the load's.
        await Eventually.True(() => ClosedAtAltaBots().IsSupersetOf(ids), TimeSpan.FromSeconds(90),
            "every idle conversation is closed and AltaBots is told");
        var allClosed = AltaBots.AllCalls.Count;
        var closed = clock.Elapsed;

        var settled = await SettleAfterCloses();

        var outcomes = new List<Outcome>();
        foreach (var id in ids)
        {
            var view = await Eventually.Get(async () =>
            {
                var v = await Api(HttpMethod.Get, $"/api/conversations/{id}");
                return (string?)v["status"] == "closed" ? v : null;
            }, because: $"{id} is closed in the agent API");
            var transcript = view["transcript"]!.AsArray()
                .Select(e => ((string)e!["author"]!, (string?)e["text"] ?? "", (long)e["sequence"]!, (DateTimeOffset)e["at"]!)).ToList();
            outcomes.Add(new Outcome(id, transcript, (string?)view["closeReason"], AltaBots.Calls(id)));
        }
        var load = ids.ToHashSet();
        var phases = $"conversed {conversed.TotalSeconds:F1} s, all closed at {closed.TotalSeconds:F1} s, " +
                     $"settled {settled.TotalSeconds:F1} s, read at {clock.Elapsed.TotalSeconds:F1} s";
        return new LoadResult(outcomes, AltaBots.AllCalls.Skip(allClosed).Where(c => load.Contains(c.ConversationId)).ToList(), settled, phases);
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private HashSet<string> ClosedAtAltaBots() => AltaBots.AllCalls.Where(c => c.Endpoint == Close).Select(c => c.ConversationId).ToHashSet();

    private async Task Converse(string id, int index, AgentQueue agent)
    {
        await Webhook("/conversation/establish", JsonSerializer.Serialize(new
        {
            conversation_id = id,
            timestamp = NowMs(),
            bot_id = $"bot-{index % 3}",
            body = new[] { new { text = "human service", message_type = "QUESTION" } },
            user_info = new { user_id = $"u{index}" },
        }));
        // An agent answers what they can see.
        await agent.Lists(id);

        for (var k = 1; k <= Chats; k++)
        {
            await Webhook("/chat", JsonSerializer.Serialize(new { conversation_id = id, timestamp = NowMs(), body = Chat(id, k) }));
            if (k <= Replies)
                await Api(HttpMethod.Post, $"/api/conversations/{id}/messages", new { text = Reply(id, k) }, HttpStatusCode.Accepted);
        }
    }

    /// <summary>
    /// The agents' list of conversations, read a few times a second by one poller for all 200 conversations: each one
    /// polling its own would cost hundreds of requests a second on a machine the load already fills.
    /// </summary>
    private sealed class AgentQueue : IAsyncDisposable
    {
        private readonly Dictionary<string, TaskCompletionSource> listed = [];
        private readonly CancellationTokenSource stop = new();
        private readonly Task polling;
        private readonly ScaleOutSystem system;
        private Exception? lastError;

        public AgentQueue(ScaleOutSystem system)
        {
            this.system = system;
            polling = Task.Run(Poll);
        }

        public async Task Lists(string id)
        {
            try
            {
                await Listed(id).Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{id} did not show in the agent API within 30 s", lastError);
            }
        }

        private TaskCompletionSource Listed(string id)
        {
            lock (listed)
                return listed.TryGetValue(id, out var seen) ? seen
                    : listed[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // One reader of the agent API's list for all 200 conversations, every 200 ms (200 readers swamped the machine).
        private async Task Poll()
        {
            using var cadence = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            do
            {
                try
                {
                    for (var page = 1; ; page++)
                    {
                        var items = (await system.Api(HttpMethod.Get, $"/api/conversations?pageSize=200&page={page}"))["items"]!.AsArray();
                        foreach (var item in items) Listed((string)item!["id"]!).TrySetResult();
                        if (items.Count < 200) break;
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
                {
                    lastError = e; // a loaded Gateway may fail one read; the next one counts
                }
            }
            while (await Tick(cadence));
        }

        private async Task<bool> Tick(PeriodicTimer cadence)
        {
            try
            {
                return await cadence.WaitForNextTickAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await polling;
            stop.Dispose();
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("alice"));
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private async Task<JsonNode> Api(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = Request(method, path, body);
        var response = await Gateway.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }
}

/// <summary>Runs alone, after the other end-to-end classes: its seven processes and its load would starve them, and they it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class ScaleOutCollection
{
    public const string Name = "scale-out";
}

[Collection(ScaleOutCollection.Name)]
public class ScaleOutTests(ScaleOutSystem system, ITestOutputHelper output) : IClassFixture<ScaleOutSystem>
{
    // Before commands were split into single-active-consumer lanes, two Conversations replicas decided one
    // conversation's chats out of order here (seen: chat 1, chat 3, chat 2).
    [Fact]
    public Task Each_conversation_keeps_its_order_across_replicas() => Check(outcome =>
    {
        var (id, transcript, _, _) = outcome;
        Assert.Equal(Enumerable.Range(1, ScaleOutSystem.Chats).Select(k => ScaleOutSystem.Chat(id, k)),
            transcript.Where(e => e.Author == "user" && e.Text.StartsWith("chat")).Select(e => e.Text));
        Assert.Equal(Enumerable.Range(1, ScaleOutSystem.Replies).Select(k => ScaleOutSystem.Reply(id, k)),
            transcript.Where(e => e.Author == "agent").Select(e => e.Text));
        Assert.Equal(transcript.Select(e => e.Sequence).Order().Distinct(), transcript.Select(e => e.Sequence));
    });

    [Fact]
    public Task AltaBots_receives_the_greeting_the_replies_and_the_close_of_each_conversation_in_order() => Check(outcome =>
    {
        var (id, _, _, calls) = outcome;
        Assert.Equal(
            [("/v1/human/message/receive", HandoffSystem.Greeting),
             .. Enumerable.Range(1, ScaleOutSystem.Replies).Select(k => ("/v1/human/message/receive", (string?)ScaleOutSystem.Reply(id, k))),
             ("/v1/human/close", null)],
            calls.Select(c => (c.Endpoint, c.Text)).ToArray());
    });

    [Fact]
    public async Task Nothing_is_processed_twice()
    {
        await Check(outcome =>
        {
            var (_, transcript, _, _) = outcome;
            // A command decided twice would show its message twice; a repeated establish, a second greeting.
            Assert.Single(transcript, e => e.Text == HandoffSystem.Greeting);
            Assert.Equal(ScaleOutSystem.Chats, transcript.Count(e => e.Author == "user" && e.Text.StartsWith("chat")));
            Assert.Equal(ScaleOutSystem.Chats, transcript.Where(e => e.Author == "user" && e.Text.StartsWith("chat")).Select(e => e.Text).Distinct().Count());
            Assert.Equal(ScaleOutSystem.Replies, transcript.Count(e => e.Author == "agent"));
            Assert.Equal(transcript.Count, transcript.Select(e => e.Sequence).Distinct().Count());
        });
        // Each delivery to AltaBots under its own Idempotency-Key: none was sent twice.
        var all = system.AltaBots.AllCalls;
        Assert.Equal(all.Count, all.Select(c => c.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public async Task Every_idle_conversation_is_closed_once_and_nothing_reaches_AltaBots_after_the_closes()
    {
        await Check(outcome =>
        {
            var (_, _, reason, calls) = outcome;
            Assert.Equal("idle", reason);
            Assert.Single(calls, c => c.Endpoint == "/v1/human/close");
        });
        var result = await system.Load();
        output.WriteLine($"{result.Phases} (idle timeout {system.IdleTimeout.TotalSeconds} s)");
        var decided = Spread(result.Outcomes.Select(o => CloseOf(o).Timestamp - LastActivity(o) - system.IdleTimeout));
        output.WriteLine($"closes decided after due: {decided}; " +
                         $"at AltaBots after decided: {Spread(result.Outcomes.Select(o => CloseOf(o).StartedAt - CloseOf(o).Timestamp))}");
        Assert.True(result.Settled >= system.IdleTimeout, $"the settling period, {result.Settled}, is shorter than the idle timeout");
        Assert.Empty(result.CallsAfterAllClosed.Select(c => $"{c.ConversationId} {c.Endpoint} {c.Text} at {c.At:O}"));
    }

    // Two Timeouts instances each hold a timer of a conversation when its events reach different instances: the close
    // that wins must be the one armed by the conversation's last activity, never an earlier one.
    [Fact]
    public Task No_conversation_is_closed_before_it_was_idle_for_the_idle_timeout() => Check(outcome =>
    {
        var (lastActivity, closed) = (LastActivity(outcome), CloseOf(outcome).Timestamp);
        Assert.True(closed >= lastActivity + system.IdleTimeout - TimeSpan.FromMilliseconds(200),
            $"{outcome.Id} was closed at {closed:O}, {closed - lastActivity} after its last activity at {lastActivity:O}");
    });

    private static ReceivedCall CloseOf(ScaleOutSystem.Outcome outcome) => outcome.Calls.Single(c => c.Endpoint == "/v1/human/close");

    /// <summary>
    /// The last user message or agent reply. A user message shows AltaBots' timestamp, when the user wrote, which is no
    /// later than when Handoff recorded it and the idle clock started: a lower bound, so a close is never wrongly called early.
    /// </summary>
    private static DateTimeOffset LastActivity(ScaleOutSystem.Outcome outcome) =>
        outcome.Transcript.Where(e => e.Author is "user" or "agent").Max(e => e.At);

    private static string Spread(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return $"p50 {sorted[sorted.Count / 2].TotalSeconds:F1} s, max {sorted[^1].TotalSeconds:F1} s";
    }

    private Task Check(Action<ScaleOutSystem.Outcome> assert) => system.PrintingLogsOnFailure(output, async () =>
    {
        var outcomes = (await system.Load()).Outcomes;
        Assert.Equal(ScaleOutSystem.Conversations, outcomes.Count);
        foreach (var outcome in outcomes) assert(outcome);
    });
}
