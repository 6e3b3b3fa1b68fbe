using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// The whole pipeline with timers of a few seconds: agent wait at +2 s and +4 s, warning at +7 s, close at +10 s. The gaps
/// leave room for a loaded machine; timers overdue together may reach Conversations in either order.
/// </summary>
public class TimerSystem : HandoffSystem
{
    public const string StillLooking = "Still finding someone for you.";
    public const string Warning = "Are you still there? This chat closes in {seconds} s.";
    public static readonly TimeSpan AgentWait = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan WarningBefore = TimeSpan.FromSeconds(3);

    public override TimeSpan IdleTimeout => TimeSpan.FromSeconds(10);

    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
    [
        ("Timeouts", "Handoff__Timeouts__AgentWait", AgentWait.ToString()),
        ("Timeouts", "Handoff__Timeouts__AgentWaitRepeats", "2"),
        ("Timeouts", "Handoff__Timeouts__AgentWaitMessage", StillLooking),
        ("Timeouts", "Handoff__Timeouts__IdleWarningBefore", WarningBefore.ToString()),
        ("Timeouts", "Handoff__Timeouts__IdleWarningMessage", Warning),
    ];
}

public class TimerTests(TimerSystem system, ITestOutputHelper output) : IClassFixture<TimerSystem>
{
    private const string Close = "/v1/human/close";
    private static readonly string Warned = TimerSystem.Warning.Replace("{seconds}", "3");
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    [Fact]
    public Task An_idle_conversation_gets_the_waiting_notices_then_the_warning_then_the_close_each_once_in_order() => WithLogs(async () =>
    {
        var conversation = NewConversationId();
        await Establish(conversation);

        await ClosedAtAltaBots(conversation);
        await NothingMoreCanCome();

        var calls = CallsFor(conversation);
        Assert.Equal(
            [Message(HandoffSystem.Greeting), Message(TimerSystem.StillLooking), Message(TimerSystem.StillLooking), Message(Warned), (Close, null)],
            calls.Select(c => (c.Endpoint, c.Text)));
        // Each stamp is when Conversations posted it: never before its timer was due. (How late, at most, is measured
        // in Timeouts.Tests; here every service shares the cores with the rest of the suite.)
        var stamps = calls.Select(c => c.Timestamp).ToList();
        Assert.InRange(stamps[1] - stamps[0], TimerSystem.AgentWait - TimeSpan.FromMilliseconds(200), TimerSystem.AgentWait + Slack);
        Assert.InRange(stamps[2] - stamps[0], 2 * TimerSystem.AgentWait - TimeSpan.FromMilliseconds(200), 2 * TimerSystem.AgentWait + Slack);
        Assert.InRange(stamps[4] - stamps[0], system.IdleTimeout - TimeSpan.FromMilliseconds(200), system.IdleTimeout + Slack);

        var transcript = await Transcript(conversation);
        Assert.Equal([HandoffSystem.Greeting, TimerSystem.StillLooking, TimerSystem.StillLooking, Warned],
            transcript.Where(e => e.Author == "system").Select(e => e.Text));
    });

    [Fact]
    public Task The_first_agent_reply_stops_the_waiting_notices_and_pushes_back_the_warning_and_the_close() => WithLogs(async () =>
    {
        var conversation = NewConversationId();
        await Establish(conversation);
        await Eventually.True(() => CallsFor(conversation).Any(c => c.Text == TimerSystem.StillLooking),
            TimeSpan.FromSeconds(15), "the first waiting notice");

        await Api(HttpMethod.Post, $"/api/conversations/{conversation}/messages", new { text = "Hi, I'm here." }, HttpStatusCode.Accepted);

        await ClosedAtAltaBots(conversation);
        await NothingMoreCanCome();
        var calls = CallsFor(conversation);
        var reply = calls.FindIndex(c => c.Text == "Hi, I'm here.");
        // Normally one notice comes before the reply; a second one only if the reply was slower than the interval.
        Assert.Equal([Message(HandoffSystem.Greeting), Message(TimerSystem.StillLooking)], calls[..2].Select(c => (c.Endpoint, c.Text)));
        Assert.All(calls[2..reply], c => Assert.Equal(TimerSystem.StillLooking, c.Text));
        Assert.Equal([Message("Hi, I'm here."), Message(Warned), (Close, null)], calls[reply..].Select(c => (c.Endpoint, c.Text)));
        var replied = calls[reply].Timestamp;
        var closed = calls[^1].Timestamp;
        Assert.True(closed - replied >= system.IdleTimeout - TimeSpan.FromMilliseconds(200), "the close counts from the reply");
    });

    [Fact]
    public Task A_user_close_a_platform_timeout_and_an_agent_close_each_cancel_every_timer() => WithLogs(async () =>
    {
        var (byUser, byPlatform, byAgent) = (NewConversationId(), NewConversationId(), NewConversationId());
        foreach (var conversation in new[] { byUser, byPlatform, byAgent })
            await Establish(conversation);
        foreach (var conversation in new[] { byUser, byPlatform, byAgent })
            await Eventually.True(() => CallsFor(conversation).Count > 0, because: "the greeting arrives");

        await Webhook("/conversation/close", $$"""{"conversation_id":"{{byUser}}","timestamp":{{NowMs()}},"type":"USER_CLOSED"}""");
        await Webhook("/conversation/close", $$"""{"conversation_id":"{{byPlatform}}","timestamp":{{NowMs()}},"type":"TIMEOUT"}""");
        await Api(HttpMethod.Post, $"/api/conversations/{byAgent}/close", null, HttpStatusCode.Accepted);

        await NothingMoreCanCome();
        Assert.Equal([Message(HandoffSystem.Greeting)], CallsFor(byUser).Select(c => (c.Endpoint, c.Text)));
        Assert.Equal([Message(HandoffSystem.Greeting)], CallsFor(byPlatform).Select(c => (c.Endpoint, c.Text)));
        Assert.Equal([Message(HandoffSystem.Greeting), (Close, null)], CallsFor(byAgent).Select(c => (c.Endpoint, c.Text)));
        foreach (var conversation in new[] { byUser, byPlatform, byAgent })
            Assert.DoesNotContain(await Transcript(conversation), e => e.Text is TimerSystem.StillLooking || e.Text == Warned);
    });

    /// <summary>
    /// Opens a conversation now and waits for its idle close: by then every timer of any conversation opened before
    /// has fired (due timers fire in due order, and Conversations takes commands in order), so whatever they were to
    /// send has been decided. This is how "nothing more arrives" is checked without sleeping.
    /// </summary>
    private async Task NothingMoreCanCome()
    {
        var marker = NewConversationId();
        await Establish(marker);
        await ClosedAtAltaBots(marker);
    }

    private static (string, string?) Message(string text) => ("/v1/human/message/receive", text);

    private List<ReceivedCall> CallsFor(string conversation) => system.AltaBots.Calls(conversation).ToList();

    private Task ClosedAtAltaBots(string conversation) =>
        Eventually.True(() => CallsFor(conversation).Any(c => c.Endpoint == Close), TimeSpan.FromSeconds(40), $"AltaBots is told {conversation} closed");

    private async Task<List<(string? Author, string? Text)>> Transcript(string conversation)
    {
        var view = await Api(HttpMethod.Get, $"/api/conversations/{conversation}");
        return view["transcript"]!.AsArray().Select(e => ((string?)e!["author"], (string?)e["text"])).ToList();
    }

    private Task Establish(string conversation) => Webhook("/conversation/establish", $$$"""
        {"conversation_id":"{{{conversation}}}","timestamp":{{{NowMs()}}},"bot_id":"bot-1","email":"user@example.com",
         "body":[{"text":"human please","message_type":"QUESTION"}],
         "user_info":{"phone":null,"email":"user@example.com","user_id":"u-1","anonymous_id":"a-1"}}
        """);

    private async Task Webhook(string path, string json)
    {
        var response = await system.Gateway.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonNode> Api(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("alice"));
        if (body is not null) request.Content = JsonContent.Create(body);
        var response = await system.Gateway.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!;
    }

    private Task WithLogs(Func<Task> test) => system.PrintingLogsOnFailure(output, test);

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string NewConversationId() => "t" + Guid.NewGuid().ToString("N")[..20];
}
public class TimerRestartSystem : TimerSystem;

public class TimerRestartTests(TimerRestartSystem system, ITestOutputHelper output) : IClassFixture<TimerRestartSystem>
{
    [Fact]
    public async Task Timers_pending_when_Timeouts_is_killed_all_fire_once_after_it_starts_again_and_the_close_on_time()
    {
        var conversations = Enumerable.Range(0, 10).Select(_ => "r" + Guid.NewGuid().ToString("N")[..20]).ToList();
        foreach (var conversation in conversations)
            await Establish(conversation);
        // The first waiting notice shows each saga is stored with its timers armed; the rest are pending.
        foreach (var conversation in conversations)
            await Eventually.True(() => Texts(conversation).Contains(TimerSystem.StillLooking), TimeSpan.FromSeconds(20), "the first notice");

        var killed = system.Services.Single(s => s.Name == "Timeouts");
        await killed.KillAsync();
        await system.Restart(killed);
        var restartedAt = DateTimeOffset.UtcNow;
        try
        {
            foreach (var conversation in conversations)
                await Eventually.True(() => CallsFor(conversation).Any(c => c.Endpoint == "/v1/human/close"), TimeSpan.FromSeconds(40), "the close");

            var warned = TimerSystem.Warning.Replace("{seconds}", "3");
            foreach (var conversation in conversations)
            {
                // Timers that were overdue together when Timeouts came back reach Conversations in any order; a notice
                // that comes after a later one, or after the close, is stale and is not sent. None is sent twice.
                var texts = Texts(conversation);
                Assert.Equal([HandoffSystem.Greeting, TimerSystem.StillLooking], texts[..2]);
                Assert.Null(texts[^1]);
                Assert.Single(texts, t => t is null);
                Assert.InRange(texts.Count(t => t == TimerSystem.StillLooking), 1, 2);
                Assert.InRange(texts.Count(t => t == warned), 0, 1);
                // On time; or, when it fell due while Timeouts was down (a loaded machine restarts it slowly), as soon
                // as Timeouts is back.
                var stamps = CallsFor(conversation).Select(c => c.Timestamp).ToList();
                var due = stamps[0] + system.IdleTimeout;
                Assert.InRange(stamps[^1], due - TimeSpan.FromMilliseconds(200), (due > restartedAt ? due : restartedAt) + TimeSpan.FromSeconds(5));
            }
        }
        catch
        {
            // What AltaBots was sent, attempt by attempt: a call out of place shows whether it was a message decided
            // late or an attempt repeated under the same key.
            output.WriteLine($"Timeouts was ready again at {restartedAt:O}; AltaBots received:");
            foreach (var call in conversations.SelectMany(CallsFor))
                output.WriteLine($"{call.StartedAt:O} {call.At:O} {call.Status} {call.ConversationId} {call.IdempotencyKey} {call.Endpoint} {call.Text}");
            output.WriteLine(system.Logs());
            throw;
        }
    }

    private List<ReceivedCall> CallsFor(string conversation) => system.AltaBots.Calls(conversation).ToList();

    private List<string?> Texts(string conversation) => CallsFor(conversation).Select(c => c.Text).ToList();

    private async Task Establish(string conversation)
    {
        var json = $$$"""
            {"conversation_id":"{{{conversation}}}","timestamp":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"bot_id":"bot-1",
             "email":"user@example.com","body":[],"user_info":{"phone":null,"email":"user@example.com","user_id":"u-1","anonymous_id":"a-1"}}
            """;
        var response = await system.Gateway.PostAsync("/conversation/establish", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
