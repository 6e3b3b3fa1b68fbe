using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// One of each service while RabbitMQ really restarts (<see cref="LocalBroker"/>), run once for all the facts of the class:
/// idle conversations whose close falls due while the broker is down, and busy ones whose user and agent keep writing
/// before, during and after the restart. Outbound is stalled from the start until the broker is back, so everything
/// Conversations publishes for it waits in its durable queue through the restart.
/// </summary>
public sealed class BrokerRestartSystem : HandoffSystem
{
    /// <summary>How long the broker stays stopped, on top of the time it takes to stop and to start.</summary>
    public static readonly TimeSpan DownFor = TimeSpan.FromSeconds(3);

    private const string Close = "/v1/human/close";
    private static readonly string Agent = DevToken.Create("alice");

    // Timestamped logs, to line what each service did up with the restart when a fact fails.
    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
        new[] { "Gateway", "Conversations", "Outbound", "Timeouts" }
            .Select(s => (s, "Logging__Console__TimestampFormat", "HH:mm:ss.fff "));

    private Task<RestartRun>? run;

    // Where the broker cannot be restarted every fact is skipped, but xunit still makes the fixture: start nothing then.
    public override Task InitializeAsync() => LocalBroker.Unavailable is null ? base.InitializeAsync() : Task.CompletedTask;

    public sealed record SentChat(string ConversationId, string Text, long Timestamp, int Attempts, DateTimeOffset AcceptedAt);

    public sealed record PostedReply(string ConversationId, string Text, DateTimeOffset PostedAt);

    public sealed record RestartRun(
        IReadOnlyList<string> Idle, IReadOnlyList<string> Busy,
        IReadOnlyList<SentChat> Chats, IReadOnlyList<PostedReply> Replies, int WebhooksRefused,
        string Timeline, DateTimeOffset StoppingAt, DateTimeOffset StoppedAt, DateTimeOffset BackAt,
        IReadOnlyList<BrokerQueue> QueuesBefore, IReadOnlyList<BrokerQueue> QueuesAfter,
        IReadOnlyDictionary<string, IReadOnlyList<(string Author, string Text, DateTimeOffset At)>> Transcripts,
        IReadOnlyList<ReceivedCall> CallsAfterAllClosed, TimeSpan Settled)
    {
        public IEnumerable<string> All => Idle.Concat(Busy);
    }

    public Task<RestartRun> Run()
    {
        lock (this) return run ??= RunOnce();
    }

    private async Task<RestartRun> RunOnce()
    {
        var idle = Ids("idle", 20);
        var busy = Ids("busy", 4);
        var timeline = new List<string>();

        // Stalled before it has anything to do: stalled during an attempt to AltaBots, it would find the attempt timed out
        // when it runs on, and make it again.
        var outbound = Services.Single(s => s.Name == "Outbound");
        outbound.Suspend();
        IReadOnlyList<BrokerQueue> before, after;
        BrokerOutage outage;
        DateTimeOffset idleOpenedAt, backAt;
        Traffic traffic;
        try
        {
            await Task.WhenAll(busy.Select(Establish));
            idleOpenedAt = DateTimeOffset.UtcNow;
            await Task.WhenAll(idle.Select(Establish));
            timeline.Add($"idle conversations opened {idleOpenedAt:HH:mm:ss.fff} to {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
            // Every greeting is published, so every handoff before it too: the idle timers are armed, or their events wait
            // for Timeouts in its queue.
            await Eventually.True(async () => OutboundQueue(await LocalBroker.QueuesAsync(VirtualHost)).Messages >= idle.Count + busy.Count,
                TimeSpan.FromSeconds(30), "the greetings wait in Outbound's queue");
            timeline.Add($"greetings queued {DateTimeOffset.UtcNow:HH:mm:ss.fff}");

            await Task.WhenAll(busy.Select(Listed));
            traffic = new Traffic(this, busy);
            await Eventually.True(() =>
            {
                traffic.ThrowIfFailed();
                return busy.All(id => traffic.Replies.Any(r => r.ConversationId == id));
            }, TimeSpan.FromSeconds(20), "users and agents are writing");

            // The outage is placed so that the idle timers, armed and pending when it starts, fall due while the broker is
            // down: this bounded wait is the scenario, not a guess at how long something takes.
            var dueSoon = idleOpenedAt + IdleTimeout / 2 - DateTimeOffset.UtcNow;
            if (dueSoon > TimeSpan.Zero) await Task.Delay(dueSoon);

            before = await LocalBroker.QueuesAsync(VirtualHost);
            await using (outage = await LocalBroker.StopAsync(this))
            {
                timeline.Add($"broker stopping {outage.StoppingAt:HH:mm:ss.fff}, stopped {outage.StoppedAt:HH:mm:ss.fff}");
                await Task.Delay(DownFor);
                backAt = await outage.EndAsync();
                timeline.Add($"serving again {backAt:HH:mm:ss.fff}");
            }
            after = await LocalBroker.QueuesAsync(VirtualHost);
        }
        finally
        {
            outbound.Resume();
        }

        // Publishers keep working after the restart: users' webhooks are taken again, and agents' replies delivered.
        await Eventually.True(() =>
        {
            traffic.ThrowIfFailed();
            return busy.All(id => traffic.Chats.Any(c => c.ConversationId == id && c.AcceptedAt > backAt)
                                  && traffic.Replies.Any(r => r.ConversationId == id && r.PostedAt > backAt));
        }, TimeSpan.FromSeconds(60), "users and agents write again after the restart");
        await traffic.DisposeAsync();

        var ids = idle.Concat(busy).ToList();
        HashSet<string> Closed() => AltaBots.AllCalls.Where(c => c.Endpoint == Close).Select(c => c.ConversationId).ToHashSet();
        try
        {
            await Eventually.True(() => ids.All(Closed().Contains), TimeSpan.FromSeconds(90), "every conversation is closed and AltaBots is told");
        }
        catch (TimeoutException e)
        {
            var open = ids.Where(id => !Closed().Contains(id)).Select(id => $"{id} ({AltaBots.Calls(id).Count} calls)");
            throw new TimeoutException(
                $"{e.Message} ({string.Join("; ", timeline)}); not closed: {string.Join(", ", open)}", e);
        }
        var allClosed = AltaBots.AllCalls.Count;
        var settled = await SettleAfterCloses();

        var transcripts = new Dictionary<string, IReadOnlyList<(string Author, string Text, DateTimeOffset At)>>();
        foreach (var id in ids)
        {
            var view = await Api(HttpMethod.Get, $"/api/conversations/{id}", Agent);
            transcripts[id] = view["transcript"]!.AsArray()
                .Select(e => ((string)e!["author"]!, (string?)e["text"] ?? "", (DateTimeOffset)e["at"]!)).ToList();
        }
        var load = ids.ToHashSet();
        return new RestartRun(idle, busy, traffic.Chats, traffic.Replies, traffic.Refused,
            string.Join("; ", timeline), outage.StoppingAt, outage.StoppedAt, backAt, before, after,
            transcripts, AltaBots.AllCalls.Skip(allClosed).Where(c => load.Contains(c.ConversationId)).ToList(), settled);
    }

    /// <summary>The conversation is in the agent API, so an agent can answer it (Outbound is stalled: no greeting to wait for).</summary>
    private Task Listed(string id) => Eventually.True(async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/conversations/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Agent);
        return (await Gateway.SendAsync(request)).IsSuccessStatusCode;
    }, TimeSpan.FromSeconds(30), $"{id} is in the agent API");

    public static BrokerQueue OutboundQueue(IEnumerable<BrokerQueue> queues) => queues.Single(q => q.Name == "outbound-deliveries");

    private static List<string> Ids(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}{i:D2}{Guid.NewGuid():N}"[..24]).ToList();

    private Task Establish(string id) => Webhook("/conversation/establish", JsonSerializer.Serialize(new
    {
        conversation_id = id,
        timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        bot_id = "bot-1",
        body = new[] { new { text = "human service", message_type = "QUESTION" } },
        user_info = new { user_id = "u-1" },
    }));

    /// <summary>
    /// Users chatting and their agents answering, in turns, until disposed. A webhook the Gateway refuses with 503 (the
    /// broker is unreachable) is sent again as AltaBots does, unchanged, until it is taken; an agent's reply is written to
    /// the store, so it is taken even while the broker is down.
    /// </summary>
    private sealed class Traffic : IAsyncDisposable
    {
        private readonly BrokerRestartSystem system;
        // Pacing of the writers, not waits for a condition: they keep conversations going across the restart.
        private static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan TurnPause = TimeSpan.FromMilliseconds(300);
        private readonly CancellationTokenSource stop = new();
        private readonly Task writing;
        private readonly List<SentChat> chats = [];
        private readonly List<PostedReply> replies = [];
        private int refused;

        public Traffic(BrokerRestartSystem system, IEnumerable<string> conversations)
        {
            this.system = system;
            writing = Task.WhenAll(conversations.Select(id => Task.Run(() => Converse(id))));
        }

        public IReadOnlyList<SentChat> Chats { get { lock (chats) return chats.ToList(); } }

        public IReadOnlyList<PostedReply> Replies { get { lock (replies) return replies.ToList(); } }

        public int Refused => Volatile.Read(ref refused);

        /// <summary>Rethrows what stopped a writer, so the test fails with it rather than waiting in vain.</summary>
        public void ThrowIfFailed()
        {
            if (writing.IsFaulted) ExceptionDispatchInfo.Throw(writing.Exception!.InnerException!);
        }

        private async Task Converse(string id)
        {
            for (var k = 1; !stop.IsCancellationRequested; k++)
            {
                var text = $"chat {k} of {id}";
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var json = JsonSerializer.Serialize(new { conversation_id = id, timestamp, body = text });
                for (var attempt = 1; ; attempt++)
                {
                    var response = await system.Gateway.PostAsync("/chat", new StringContent(json, Encoding.UTF8, "application/json"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        lock (chats) chats.Add(new SentChat(id, text, timestamp, attempt, DateTimeOffset.UtcNow));
                        break;
                    }
                    Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable,
                        $"/chat answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    Interlocked.Increment(ref refused);
                    await Task.Delay(RetryAfterRefusal); // AltaBots retries a refused webhook after a pause, unchanged
                }
                var reply = $"reply {k} to {id}";
                await system.Api(HttpMethod.Post, $"/api/conversations/{id}/messages", Agent, new { text = reply }, HttpStatusCode.Accepted);
                lock (replies) replies.Add(new PostedReply(id, reply, DateTimeOffset.UtcNow));
                await Task.Delay(TurnPause); // the pace of a conversation: a turn each 300 ms, through the whole restart
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await writing;
            stop.Dispose();
        }
    }
}

/// <summary>The broker restart disturbs every test using it at that moment: this class runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class BrokerRestartCollection
{
    public const string Name = "broker-restart";
}

[Collection(BrokerRestartCollection.Name)]
public class BrokerRestartTests(BrokerRestartSystem system, ITestOutputHelper output) : IClassFixture<BrokerRestartSystem>
{
    private const string Close = "/v1/human/close";

    /// <summary>
    /// How late a close may be decided: after its due time, or after the broker is back when it fell due during the
    /// outage. Mostly the services reconnecting: MassTransit retries a lost connection after growing pauses (seen here:
    /// about 5 s, then 11 s), so with the broker down for about 10 s a service finds it back only 9 to 13 s after it is.
    /// Also a scheduler poll, and a busy user's last chat waiting in its lane (only the Gateway's acceptance is known here).
    /// </summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(20);

    [BrokerRestartFact]
    public Task Every_conversation_is_closed_exactly_once_and_on_time_across_a_broker_restart() => WithLogs(run =>
    {
        output.WriteLine($"{run.Timeline}; settled {run.Settled.TotalSeconds:F1} s after the last close");
        var closes = run.All.Select(id =>
        {
            var calls = system.AltaBots.Calls(id);
            var (earliest, latest) = Due(run, id, calls);
            return (Id: id, Earliest: earliest, Latest: latest, Closes: calls.Where(c => c.Endpoint == Close).ToList());
        }).ToList();
        foreach (var (id, _, latest, calls) in closes)
            output.WriteLine($"{id} due {latest:HH:mm:ss.fff}, closed " +
                             string.Join(", ", calls.Select(c => $"{c.Timestamp:HH:mm:ss.fff} (at AltaBots {c.StartedAt:HH:mm:ss.fff})")));

        // What this scenario is about: the idle timers were still pending when the broker began to stop.
        Assert.All(closes.Where(c => run.Idle.Contains(c.Id)), c => Assert.True(c.Earliest > run.StoppingAt,
            $"{c.Id} was due at {c.Earliest:O}, before the broker began to stop at {run.StoppingAt:O}: the set-up ran late"));
        foreach (var (id, earliest, latest, calls) in closes)
        {
            var close = Assert.Single(calls).Timestamp;
            Assert.True(close >= earliest - TimeSpan.FromMilliseconds(200), $"{id} was closed at {close:O}, before it was due at {earliest:O}");
            var bound = Max(latest, run.BackAt) + Slack;
            Assert.True(close <= bound,
                $"{id} was closed at {close:O}, due at {latest:O}, the broker stopped at {run.StoppedAt:O} and back at {run.BackAt:O}");
        }
        Assert.Empty(run.CallsAfterAllClosed.Select(c => $"{c.ConversationId} {c.Endpoint} {c.Text} at {c.At:O}"));
        var late = closes.Select(c => c.Closes[0].Timestamp - Max(c.Latest, run.BackAt)).Order().ToList();
        output.WriteLine(
            $"closes decided after max(due, broker back): p50 {late[late.Count / 2].TotalSeconds:F1} s, max {late[^1].TotalSeconds:F1} s");
        return Task.CompletedTask;
    });

    [BrokerRestartFact]
    public Task Durable_queues_keep_their_persistent_messages_through_the_restart() => WithLogs(run =>
    {
        var durable = run.QueuesBefore.Where(q => q.Durable).Select(q => q.Name).Order().ToList();
        Assert.NotEmpty(durable);
        Assert.All(durable, name => Assert.True(run.QueuesAfter.SingleOrDefault(q => q.Name == name)?.Durable, $"{name} is back, durable"));

        // Outbound was stalled throughout: what waited for it before the stop is still there after the start, on disk.
        var (waiting, kept) = (BrokerRestartSystem.OutboundQueue(run.QueuesBefore), BrokerRestartSystem.OutboundQueue(run.QueuesAfter));
        output.WriteLine($"outbound-deliveries: {waiting.Messages} messages before the stop, " +
                         $"{kept.Messages} ({kept.PersistentMessages} persistent) after the start");
        Assert.True(waiting.Messages >= run.All.Count(), $"only {waiting.Messages} messages waited for Outbound before the restart");
        Assert.True(kept.Messages >= waiting.Messages, $"{waiting.Messages} messages waited for Outbound before the restart, {kept.Messages} after");
        Assert.Equal(kept.Messages, kept.PersistentMessages);

        // And once Outbound runs on, AltaBots has each greeting once, before the close.
        Assert.All(run.Idle, id => Assert.Equal([Greeting(), (Close, null)], system.AltaBots.Calls(id).Select(c => (c.Endpoint, c.Text))));
        return Task.CompletedTask;
    });

    [BrokerRestartFact]
    public Task Users_and_agents_writing_through_the_restart_lose_nothing_and_repeat_nothing() => WithLogs(run =>
    {
        output.WriteLine($"{run.Chats.Count} chats taken ({run.WebhooksRefused} refused with 503 and sent again), {run.Replies.Count} replies");
        Assert.True(run.WebhooksRefused > 0, "the Gateway refused webhooks while the broker was down");
        Assert.Contains(run.Chats, c => c.Attempts > 1 && c.AcceptedAt > run.BackAt);
        foreach (var id in run.Busy)
        {
            var chats = run.Chats.Where(c => c.ConversationId == id).Select(c => c.Text).ToList();
            var replies = run.Replies.Where(r => r.ConversationId == id).Select(r => r.Text).ToList();
            var transcript = run.Transcripts[id];
            Assert.Equal(chats, transcript.Where(e => e.Author == "user" && e.Text.StartsWith("chat")).Select(e => e.Text));
            Assert.Equal(replies, transcript.Where(e => e.Author == "agent").Select(e => e.Text));
            Assert.Equal([Greeting(), .. replies.Select(r => ("/v1/human/message/receive", (string?)r)), (Close, null)],
                system.AltaBots.Calls(id).Select(c => (c.Endpoint, c.Text)));
        }
        var all = system.AltaBots.AllCalls;
        Assert.Equal(all.Count, all.Select(c => c.IdempotencyKey).Distinct().Count());
        return Task.CompletedTask;
    });

    /// <summary>
    /// When the conversation's idle close falls due, within what is known here: at the earliest from when the user wrote
    /// (AltaBots' timestamp) or the agent's reply was recorded; at the latest from when the Gateway took the user's last chat
    /// or the agent API the last reply. The greeting is recorded with the handoff.
    /// </summary>
    private (DateTimeOffset Earliest, DateTimeOffset Latest) Due(BrokerRestartSystem.RestartRun run, string id, IReadOnlyList<ReceivedCall> calls)
    {
        var greeting = calls.First(c => c.Text == HandoffSystem.Greeting).Timestamp;
        var activity = run.Transcripts[id].Where(e => e.Author is "user" or "agent").Select(e => e.At).Append(greeting).Max();
        var taken = run.Chats.Where(c => c.ConversationId == id).Select(c => c.AcceptedAt)
            .Concat(run.Replies.Where(r => r.ConversationId == id).Select(r => r.PostedAt)).Append(greeting).Max();
        return (activity + system.IdleTimeout, taken + system.IdleTimeout);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static (string, string?) Greeting() => ("/v1/human/message/receive", HandoffSystem.Greeting);

    private Task WithLogs(Func<BrokerRestartSystem.RestartRun, Task> test) =>
        system.PrintingLogsOnFailure(output, async () => await test(await system.Run()));
}
