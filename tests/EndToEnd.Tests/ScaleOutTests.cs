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
/// under one load of interleaved conversations: each conversation in its own order (establish, then user chats and agent
/// replies alternating), all conversations at once, then left idle until the idle timer closes them.
/// The replicas compete for the same queues, so a conversation's messages reach different instances.
/// </summary>
public class ScaleOutSystem : HandoffSystem
{
    public const int Conversations = 24;
    public const int Chats = 3;
    public const int Replies = 2;

    protected override int Replicas => 2;

    // Seven processes share a PostgreSQL with the rest of the suite: small pools keep them within its max_connections.
    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
        new[] { "Conversations", "Outbound", "Timeouts" }.Select(s => (s, "ConnectionStrings__Postgres", $"{PostgresConnectionString};Maximum Pool Size=6"));

    private Task<IReadOnlyList<Outcome>>? load;

    /// <summary>What each conversation looked like once closed: its transcript in the agent API and what AltaBots received.</summary>
    public sealed record Outcome(string Id, IReadOnlyList<(string Author, string Text, long Sequence)> Transcript, IReadOnlyList<ReceivedCall> Calls);

    /// <summary>The load, run once for all the facts of the class.</summary>
    public Task<IReadOnlyList<Outcome>> Load()
    {
        lock (this) return load ??= RunLoad();
    }

    public static string Chat(string id, int k) => $"chat {k} of {id}";

    public static string Reply(string id, int k) => $"reply {k} to {id}";

    private async Task<IReadOnlyList<Outcome>> RunLoad()
    {
        var ids = Enumerable.Range(0, Conversations).Select(i => $"scale{i:D2}{Guid.NewGuid():N}"[..24]).ToArray();
        await Task.WhenAll(ids.Select((id, i) => Converse(id, i)));

        await Eventually.True(() => ids.All(id => CallsOf(id).Any(c => c.Endpoint == "/v1/human/close")), TimeSpan.FromSeconds(45),
            "every idle conversation is closed and AltaBots is told");

        var outcomes = new List<Outcome>();
        foreach (var id in ids)
        {
            var view = await Eventually.Get(async () =>
            {
                var v = await Api(HttpMethod.Get, $"/api/conversations/{id}");
                return (string?)v["status"] == "closed" ? v : null;
            }, because: $"{id} is closed in the agent API");
            var transcript = view["transcript"]!.AsArray()
                .Select(e => ((string)e!["author"]!, (string?)e["text"] ?? "", (long)e["sequence"]!)).ToList();
            outcomes.Add(new Outcome(id, transcript, CallsOf(id).ToList()));
        }
        return outcomes;
    }

    private async Task Converse(string id, int index)
    {
        var start = 1742265090895L + index;
        await Webhook("/conversation/establish", JsonSerializer.Serialize(new
        {
            conversation_id = id,
            timestamp = start,
            bot_id = $"bot-{index % 3}",
            body = new[] { new { text = "human service", message_type = "QUESTION" } },
            user_info = new { user_id = $"u{index}" },
        }));
        // An agent answers what they can see: wait for the handoff to reach the agent API.
        await Eventually.True(async () =>
        {
            using var request = Request(HttpMethod.Get, $"/api/conversations/{id}");
            return (await Gateway.SendAsync(request)).IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(30), $"{id} is in the agent API");

        for (var k = 1; k <= Chats; k++)
        {
            await Webhook("/chat", JsonSerializer.Serialize(new { conversation_id = id, timestamp = start + k * 1000, body = Chat(id, k) }));
            if (k <= Replies)
                await Api(HttpMethod.Post, $"/api/conversations/{id}/messages", new { text = Reply(id, k) }, HttpStatusCode.Accepted);
        }
    }

    private IReadOnlyList<ReceivedCall> CallsOf(string id) => AltaBots.Calls(id);

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
        var (id, transcript, _) = outcome;
        Assert.Equal(Enumerable.Range(1, ScaleOutSystem.Chats).Select(k => ScaleOutSystem.Chat(id, k)),
            transcript.Where(e => e.Author == "user" && e.Text.StartsWith("chat")).Select(e => e.Text));
        Assert.Equal(Enumerable.Range(1, ScaleOutSystem.Replies).Select(k => ScaleOutSystem.Reply(id, k)),
            transcript.Where(e => e.Author == "agent").Select(e => e.Text));
        Assert.Equal(transcript.Select(e => e.Sequence).Order().Distinct(), transcript.Select(e => e.Sequence));
    });

    [Fact]
    public Task AltaBots_receives_the_greeting_the_replies_and_the_close_of_each_conversation_in_order() => Check(outcome =>
    {
        var (id, _, calls) = outcome;
        var ours = calls.Where(c => c.Endpoint == "/v1/human/close" || c.Text == HandoffSystem.Greeting
                                    || (c.Text)?.StartsWith("reply") == true);
        Assert.Equal(
            [("/v1/human/message/receive", HandoffSystem.Greeting),
             .. Enumerable.Range(1, ScaleOutSystem.Replies).Select(k => ("/v1/human/message/receive", (string?)ScaleOutSystem.Reply(id, k))),
             ("/v1/human/close", null)],
            ours.Select(c => (c.Endpoint, c.Text)).ToArray());
    });

    [Fact]
    public async Task Nothing_is_processed_twice()
    {
        await Check(outcome =>
        {
            var (id, transcript, _) = outcome;
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
    public Task Every_idle_conversation_is_closed_once() => Check(outcome =>
    {
        var (_, _, calls) = outcome;
        Assert.Single(calls, c => c.Endpoint == "/v1/human/close");
    });

    private async Task Check(Action<ScaleOutSystem.Outcome> assert)
    {
        try
        {
            var outcomes = await system.Load();
            Assert.Equal(ScaleOutSystem.Conversations, outcomes.Count);
            foreach (var outcome in outcomes) assert(outcome);
        }
        catch
        {
            output.WriteLine(system.Logs());
            throw;
        }
    }
}
