using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Service;

public class AgentApiTests(ConversationsService service) : IClassFixture<ConversationsService>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1742265090895);

    private async Task<string> Established(DateTimeOffset? at = null)
    {
        var id = NewId();
        await service.Send(Establish(id, at ?? T0, new BotTurn(BotTurnKind.Question, "human please"), new BotTurn(BotTurnKind.Answer, "")));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff shows as waiting");
        return id;
    }

    private static string[] Transcript(JsonElement view) =>
        view.GetProperty("transcript").EnumerateArray()
            .Select(e => $"{e.GetProperty("session").GetInt32()}:{e.GetProperty("author").GetString()}:{e.GetProperty("text").GetString()}")
            .ToArray();

    private static string Path(string id, string rest = "") => $"/api/conversations/{Uri.EscapeDataString(id)}{rest}";

    [Fact]
    public async Task Establish_shows_a_waiting_conversation_with_bot_history_then_greeting()
    {
        var id = await Established();

        var view = await service.ViewWhen(id, _ => true, "the view exists");

        Assert.Equal(["1:user:human please", "1:bot:", $"1:system:{Greeting}"], Transcript(view));
        Assert.Equal([1L, 2L, 3L], view.GetProperty("transcript").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.Equal("bot-1", view.GetProperty("botId").GetString());
        Assert.Equal("anon-1", view.GetProperty("user").GetProperty("anonymousId").GetString());
        Assert.Equal(1, view.GetProperty("session").GetInt32());
    }

    [Fact]
    public async Task Repeated_webhooks_change_nothing()
    {
        var id = await Established();
        var chat = new PostUserMessage(id, T0.AddSeconds(5), "where is my order?");
        await service.Send(chat);
        await service.Send(chat);
        await service.Send(Establish(id, T0));
        await service.Send(new PostUserMessage(id, T0.AddSeconds(6), "marker"));

        var view = await service.ViewWhen(id, v => Transcript(v).Contains("1:user:marker"), "the marker message arrives");

        Assert.Equal(["1:user:human please", "1:bot:", $"1:system:{Greeting}", "1:user:where is my order?", "1:user:marker"], Transcript(view));
    }

    [Fact]
    public async Task Establishing_again_after_a_close_starts_session_two()
    {
        var id = await Established();
        await service.Send(new RecordPlatformClose(id, T0.AddSeconds(10), PlatformCloseType.UserClosed));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "closed", "the platform close lands");

        await service.Send(Establish(id, T0.AddSeconds(20)));

        var view = await service.ViewWhen(id, v => v.GetProperty("session").GetInt32() == 2, "session two begins");
        Assert.Equal("waiting", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("closeReason").ValueKind);
        Assert.Equal($"2:system:{Greeting}", Transcript(view).Last());
        Assert.Equal(2, Transcript(view).Count(t => t.EndsWith($":system:{Greeting}")));
    }

    [Fact]
    public async Task A_chat_that_overtakes_its_establish_shows_once_the_handoff_arrives()
    {
        var id = NewId();
        await service.Send(new PostUserMessage(id, T0.AddSeconds(1), "hello?"));
        await service.Send(Establish(id, T0));

        var view = await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff arrives");

        Assert.Equal(["1:user:hello?", $"1:system:{Greeting}"], Transcript(view));
    }

    [Fact]
    public async Task A_close_that_overtakes_its_establish_closes_the_session_on_arrival()
    {
        var id = NewId();
        await service.Send(new RecordPlatformClose(id, T0.AddSeconds(10), PlatformCloseType.UserClosed));
        await service.Send(Establish(id, T0));

        var view = await service.ViewWhen(id, v => v.GetProperty("session").GetInt32() == 1, "the handoff arrives");

        Assert.Equal("closed", view.GetProperty("status").GetString());
        Assert.Equal("userClosed", view.GetProperty("closeReason").GetString());
        Assert.DoesNotContain(Transcript(view), t => t.Contains(":system:"));
    }

    [Fact]
    public async Task First_reply_assigns_the_agent_and_shows_in_the_transcript()
    {
        var id = await Established();
        using var agent = service.Agent("agent-7");

        var response = await agent.PostAsJsonAsync(Path(id, "/messages"), new { text = "Hi, I am Ann." });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(4, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt64());
        var view = await service.ViewWhen(id, _ => true, "the view exists");
        Assert.Equal("active", view.GetProperty("status").GetString());
        Assert.Equal("agent-7", view.GetProperty("assignedAgent").GetString());
        Assert.Equal("1:agent:Hi, I am Ann.", Transcript(view).Last());
    }

    [Fact]
    public async Task Assign_sets_the_agent_and_returns_the_view()
    {
        var id = await Established();
        using var agent = service.Agent();

        var response = await agent.PostAsJsonAsync(Path(id, "/assign"), new { agentId = "agent-9" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("agent-9", view.GetProperty("assignedAgent").GetString());
        Assert.Equal("active", view.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Agent_close_closes_once_then_conflicts()
    {
        var id = await Established();
        using var agent = service.Agent();

        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsync(Path(id, "/close"), null)).StatusCode);
        var again = await agent.PostAsync(Path(id, "/close"), null);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("conversation_closed", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var view = await service.ViewWhen(id, _ => true, "the view exists");
        Assert.Equal("agent", view.GetProperty("closeReason").GetString());
    }

    [Fact]
    public async Task Reply_and_assign_on_a_closed_conversation_conflict()
    {
        var id = await Established();
        using var agent = service.Agent();
        await agent.PostAsync(Path(id, "/close"), null);

        var reply = await agent.PostAsJsonAsync(Path(id, "/messages"), new { text = "too late" });
        var assign = await agent.PostAsJsonAsync(Path(id, "/assign"), new { agentId = "agent-2" });

        Assert.Equal(HttpStatusCode.Conflict, reply.StatusCode);
        Assert.Equal("conversation_closed", (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, assign.StatusCode);
    }

    [Fact]
    public async Task Unknown_conversations_are_404_everywhere()
    {
        using var agent = service.Agent();
        var id = "unknown/" + NewId();

        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync(Path(id))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync(Path(id, "/messages"), new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync(Path(id, "/assign"), new { agentId = "a" })).StatusCode);
        var close = await agent.PostAsync(Path(id, "/close"), null);
        Assert.Equal(HttpStatusCode.NotFound, close.StatusCode);
        Assert.Equal("conversation_not_found", (await close.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bad_input_is_400_with_an_error_code()
    {
        var id = await Established();
        using var agent = service.Agent();

        var empty = await agent.PostAsJsonAsync(Path(id, "/messages"), new { text = " " });
        var malformed = await agent.PostAsync(Path(id, "/messages"), new StringContent("{\"text\":", Encoding.UTF8, "application/json"));
        var wrongType = await agent.PostAsync(Path(id, "/messages"), new StringContent("{\"text\":42}", Encoding.UTF8, "application/json"));
        var badStatus = await agent.GetAsync("/api/conversations?status=sleeping");
        var badPage = await agent.GetAsync("/api/conversations?page=0");
        var notANumber = await agent.GetAsync("/api/conversations?pageSize=many");

        foreach (var response in new[] { empty, malformed, wrongType, badStatus, badPage, notANumber })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()));
        }
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_401()
    {
        using var anonymous = service.Factory.CreateClient();
        using var forged = service.Factory.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", DevToken.Create("agent-1", signingKey: "another-key-0123456789abcdef0123456789abcdef"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/conversations/x/messages", new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/conversations")).StatusCode);
    }

    [Fact]
    public async Task List_filters_by_status_and_puts_recent_activity_first()
    {
        var older = await Established(DateTimeOffset.UtcNow.AddDays(1));
        var newer = await Established(DateTimeOffset.UtcNow.AddDays(2));
        var closed = await Established(DateTimeOffset.UtcNow.AddDays(3));
        using var agent = service.Agent();
        await agent.PostAsync(Path(closed, "/close"), null);

        var waiting = await agent.GetFromJsonAsync<JsonElement>("/api/conversations?status=waiting&page=1&pageSize=200");
        var closedPage = await agent.GetFromJsonAsync<JsonElement>("/api/conversations?status=closed");

        var waitingIds = waiting.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.True(waitingIds.IndexOf(newer) >= 0 && waitingIds.IndexOf(newer) < waitingIds.IndexOf(older), "most recent activity comes first");
        Assert.DoesNotContain(closed, waitingIds);
        Assert.Contains(closed, closedPage.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.False(waiting.GetProperty("items")[0].TryGetProperty("transcript", out _));
        Assert.Equal(waitingIds.Count, waiting.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Idle_timer_closes_the_open_session_as_idle()
    {
        var id = await Established();

        await service.Send(new CloseIdleConversation(id, 1, DateTimeOffset.UtcNow));

        var view = await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "closed", "the idle close lands");
        Assert.Equal("idle", view.GetProperty("closeReason").GetString());
    }

    [Fact]
    public async Task Openapi_document_is_served_without_a_token()
    {
        using var anonymous = service.Factory.CreateClient();

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/api/openapi/v1.json");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/conversations/{conversationId}/messages", out _));
    }
}

public class OrderingTests(ConversationsService service) : IClassFixture<ConversationsService>
{
    [Fact]
    public async Task Messages_of_each_conversation_keep_their_order()
    {
        var (first, second) = (NewId(), NewId());
        var t0 = DateTimeOffset.UtcNow;
        await service.Send(Establish(first, t0));
        await service.Send(Establish(second, t0));
        var texts = Enumerable.Range(1, 100).Select(i => $"m{i}").ToList();
        for (var i = 0; i < texts.Count; i++)
        {
            await service.Send(new PostUserMessage(first, t0.AddSeconds(i + 1), texts[i]));
            await service.Send(new PostUserMessage(second, t0.AddSeconds(i + 1), texts[i]));
        }

        foreach (var id in new[] { first, second })
        {
            var view = await service.ViewWhen(id, v => v.GetProperty("transcript").GetArrayLength() == 101, "all messages land");
            var users = view.GetProperty("transcript").EnumerateArray()
                .Where(e => e.GetProperty("author").GetString() == "user").Select(e => e.GetProperty("text").GetString());
            Assert.Equal(texts, users);
        }
    }

    [Fact]
    public async Task Concurrent_replies_all_land_with_distinct_sequences()
    {
        var id = NewId();
        await service.Send(Establish(id, DateTimeOffset.UtcNow));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff lands");

        var responses = await Task.WhenAll(Enumerable.Range(1, 5).Select(async i =>
        {
            using var agent = service.Agent($"agent-{i}");
            return await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = $"reply {i}" });
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var sequences = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt64()));
        Assert.Equal(5, sequences.Distinct().Count());
        var view = await service.ViewWhen(id, _ => true, "the view exists");
        Assert.Equal(5, view.GetProperty("transcript").EnumerateArray().Count(e => e.GetProperty("author").GetString() == "agent"));
    }

    [Fact]
    public async Task Ready_when_broker_and_database_answer()
    {
        using var client = service.Factory.CreateClient();

        await Eventually.True(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, because: "the bus connects");
    }
}
