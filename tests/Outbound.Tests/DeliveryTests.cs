using System.Text.Json;
using Handoff.Contracts;
using Handoff.Outbound.Deliveries;
using Handoff.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Outbound.Tests;

// WebApplicationFactory<Program> finds the host through process-wide hosting events: two built at once can cross.
[Collection(nameof(Program))]
public sealed class DeliveryTests(OutboundFixture env) : IClassFixture<OutboundFixture>
{
    private static readonly DateTimeOffset At = new(2025, 3, 18, 2, 31, 30, 895, TimeSpan.Zero);
    private static readonly TimeSpan RetriesDone = TimeSpan.FromSeconds(30);

    private static string NewConversation() => "c" + Guid.NewGuid().ToString("N")[..20];

    private static AgentReplied Reply(string conversationId, long sequence, string text) =>
        new(conversationId, 1, sequence, "agent-7", text, At.AddSeconds(sequence));

    private Task<IReadOnlyList<ReceivedCall>> AcceptedCount(string conversationId, int count, TimeSpan? timeout = null) =>
        Eventually.Get(() => Task.FromResult(env.AltaBots.Accepted(conversationId) is { } calls && calls.Count >= count ? calls : null),
            timeout, $"{count} accepted deliveries for {conversationId}");

    private static string[] Texts(IEnumerable<ReceivedCall> calls) =>
        calls.Select(c => c.Body.TryGetProperty("body", out var body) ? body.GetString()! : "<close>").ToArray();

    private static string[] PropertyNames(JsonElement body) => body.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task An_agent_reply_reaches_AltaBots_as_the_documented_json_with_the_api_key_and_its_message_id()
    {
        var conversation = NewConversation();
        var messageId = Guid.NewGuid();

        await env.Publish(Reply(conversation, 3, "Hello, I am Ana"), messageId);

        var call = Assert.Single(await AcceptedCount(conversation, 1));
        Assert.Equal(FakeAltaBots.Prefix + "/v1/human/message/receive", call.Path);
        Assert.Equal("Bearer " + OutboundFixture.ApiKey, call.Authorization);
        Assert.Equal(messageId.ToString(), call.IdempotencyKey);
        Assert.Equal(["conversation_id", "timestamp", "body"], PropertyNames(call.Body));
        Assert.Equal(conversation, call.Body.GetProperty("conversation_id").GetString());
        Assert.Equal(At.AddSeconds(3).ToUnixTimeMilliseconds(), call.Body.GetProperty("timestamp").GetInt64());
        Assert.Equal("Hello, I am Ana", call.Body.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Agent_and_idle_closes_reach_AltaBots_as_closes()
    {
        var byAgent = NewConversation();
        var byIdle = NewConversation();
        var messageId = Guid.NewGuid();

        await env.Publish(new ConversationClosed(byAgent, 1, CloseReason.Agent, At), messageId);
        await env.Publish(new ConversationClosed(byIdle, 2, CloseReason.Idle, At));

        var call = Assert.Single(await AcceptedCount(byAgent, 1));
        Assert.Equal(FakeAltaBots.Prefix + "/v1/human/close", call.Path);
        Assert.Equal("Bearer " + OutboundFixture.ApiKey, call.Authorization);
        Assert.Equal(messageId.ToString(), call.IdempotencyKey);
        Assert.Equal(["conversation_id", "timestamp"], PropertyNames(call.Body));
        Assert.Equal(At.ToUnixTimeMilliseconds(), call.Body.GetProperty("timestamp").GetInt64());
        Assert.Equal(FakeAltaBots.Prefix + "/v1/human/close", Assert.Single(await AcceptedCount(byIdle, 1)).Path);
    }

    [Fact]
    public async Task Greeting_replies_and_agent_close_of_a_conversation_reach_AltaBots_in_order()
    {
        var conversation = NewConversation();
        var expected = new List<string> { "greeting" };
        await env.Publish(new SystemMessageSent(conversation, 1, 1, "greeting", At));
        for (var i = 2; i <= 15; i++)
        {
            await env.Publish(Reply(conversation, i, $"reply {i}"));
            expected.Add($"reply {i}");
        }
        await env.Publish(new ConversationClosed(conversation, 1, CloseReason.Agent, At.AddMinutes(1)));
        expected.Add("<close>");

        var accepted = await AcceptedCount(conversation, expected.Count);

        Assert.Equal(expected, Texts(accepted));
    }

    [Fact]
    public async Task A_message_refused_twice_with_503_is_accepted_once_and_the_next_one_waits_for_it()
    {
        var conversation = NewConversation();
        var first = Guid.NewGuid();
        env.AltaBots.Refuse(conversation, 503, 503);

        await env.Publish(Reply(conversation, 1, "first"), first);
        await env.Publish(Reply(conversation, 2, "second"));

        var accepted = await AcceptedCount(conversation, 2, RetriesDone);
        Assert.Equal(["first", "second"], Texts(accepted));
        var attemptsOfFirst = env.AltaBots.Calls(conversation).Where(c => c.IdempotencyKey == first.ToString()).ToList();
        Assert.Equal([503, 503, 200], attemptsOfFirst.Select(c => c.Status));
    }

    [Fact]
    public async Task An_attempt_that_outlasts_the_timeout_is_given_up_and_retried_with_the_same_idempotency_key()
    {
        var conversation = NewConversation();
        env.AltaBots.AnswerLate(conversation, OutboundFixture.AttemptTimeout * 4);

        await env.Publish(Reply(conversation, 1, "are you there?"));

        var calls = await AcceptedCount(conversation, 2, RetriesDone);
        var (retry, late) = (calls.MinBy(c => c.At - c.StartedAt)!, calls.MaxBy(c => c.At - c.StartedAt)!);
        Assert.True(late.At - late.StartedAt > OutboundFixture.AttemptTimeout * 3, "one attempt was answered late");
        Assert.True(retry.StartedAt < late.At, "the retry went out before the late answer came");
        Assert.Equal(late.IdempotencyKey, retry.IdempotencyKey);
    }

    [Fact]
    public async Task A_conversation_waiting_to_retry_does_not_hold_up_the_others()
    {
        var slow = NewConversation();
        env.AltaBots.Refuse(slow, 503, 503);
        var others = Enumerable.Range(0, 50).Select(_ => NewConversation())
            .Where(c => DeliveryLanes.For(c) != DeliveryLanes.For(slow)).Take(5).ToList();
        Assert.Equal(5, others.Count);

        await env.Publish(Reply(slow, 1, "slow"));
        foreach (var other in others) await env.Publish(Reply(other, 1, "quick"));

        var slowAccepted = Assert.Single(await AcceptedCount(slow, 1, RetriesDone));
        Assert.All(others, other => Assert.True(Assert.Single(env.AltaBots.Accepted(other)).At < slowAccepted.At));
    }

    [Fact]
    public async Task A_message_refused_with_400_is_not_retried_and_lands_in_the_error_queue()
    {
        var conversation = NewConversation();
        var refused = Guid.NewGuid();
        env.AltaBots.Refuse(conversation, 400);

        await env.Publish(Reply(conversation, 1, "refused"), refused);
        await env.Publish(Reply(conversation, 2, "after"));

        // The next message of the conversation goes only once the refused one is finished with.
        Assert.Equal(["after"], Texts(await AcceptedCount(conversation, 1, RetriesDone)));
        Assert.Equal([400], env.AltaBots.Calls(conversation).Where(c => c.IdempotencyKey == refused.ToString()).Select(c => c.Status));
        await Eventually.True(async () => (await env.PeekQueue(DeliveryLanes.Queue(DeliveryLanes.For(conversation)) + "_error"))
            .Any(m => m.GetProperty("properties").GetProperty("message_id").GetString() == refused.ToString()),
            because: "the refused message is in the error queue");
    }

    [Fact]
    public async Task Closes_that_came_from_AltaBots_are_not_echoed_back()
    {
        var conversation = NewConversation();

        await env.Publish(new ConversationClosed(conversation, 1, CloseReason.UserClosed, At));
        await env.Publish(new ConversationClosed(conversation, 2, CloseReason.PlatformTimeout, At));
        await env.Publish(Reply(conversation, 1, "marker"));

        await AcceptedCount(conversation, 1);
        Assert.Equal(["marker"], Texts(env.AltaBots.Calls(conversation)));
    }

    [Fact]
    public async Task The_same_message_id_delivered_twice_reaches_AltaBots_once()
    {
        var conversation = NewConversation();
        var messageId = Guid.NewGuid();

        await env.Publish(Reply(conversation, 1, "only once"), messageId);
        await env.Publish(Reply(conversation, 1, "only once"), messageId);
        await env.Publish(Reply(conversation, 2, "marker"));

        await AcceptedCount(conversation, 2);
        Assert.Equal(["only once", "marker"], Texts(env.AltaBots.Calls(conversation)));
        await using var session = env.Outbound.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(conversation, (await session.LoadAsync<DeliveredMessage>(messageId))?.ConversationId);
    }

    [Fact]
    public async Task Outbound_reports_ready_when_its_broker_and_database_answer()
    {
        using var http = env.Outbound.CreateClient();

        var response = await http.GetAsync("/health/ready");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
