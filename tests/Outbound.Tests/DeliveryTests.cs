using System.Text.Json;
using Handoff.Contracts;
using Handoff.Outbound.Operations;
using Handoff.Testing;

namespace Handoff.Outbound.Tests;

// WebApplicationFactory<Program> finds the host through process-wide hosting events: two built at once can cross.
[Collection(nameof(Program))]
public sealed class DeliveryTests(OutboundFixture env) : IClassFixture<OutboundFixture>
{
    private static readonly DateTimeOffset At = new(2025, 3, 18, 2, 31, 30, 895, TimeSpan.Zero);
    private static readonly TimeSpan RetriesDone = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

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
        Assert.Equal(messageId.ToString(), call.WebhookId);
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
    public async Task A_message_refused_three_times_with_503_is_accepted_once_after_the_scheduled_waits_and_the_next_one_waits_for_it()
    {
        var conversation = NewConversation();
        var first = Guid.NewGuid();
        env.AltaBots.Refuse(conversation, 503, 503, 503);

        await env.Publish(Reply(conversation, 1, "first"), first);
        await env.Publish(Reply(conversation, 2, "second"));

        var accepted = await AcceptedCount(conversation, 2, RetriesDone);
        Assert.Equal(["first", "second"], Texts(accepted));
        var attempts = env.AltaBots.Calls(conversation).Where(c => c.IdempotencyKey == first.ToString()).OrderBy(c => c.StartedAt).ToList();
        Assert.Equal([503, 503, 503, 200], attempts.Select(c => c.Status));
        for (var i = 1; i < attempts.Count; i++)
            Assert.True(attempts[i].StartedAt - attempts[i - 1].At >= OutboundFixture.Waits[i - 1] * (1 - OutboundFixture.Jitter) - Slack,
                $"attempt {i + 1} came {(attempts[i].StartedAt - attempts[i - 1].At).TotalMilliseconds} ms after the one before");
        Assert.True(accepted[1].StartedAt >= attempts[^1].At, "the second message went only once the first was accepted");
    }

    [Fact]
    public async Task A_429_with_retry_after_2_is_not_retried_before_2_seconds()
    {
        var conversation = NewConversation();
        env.AltaBots.Throttle(conversation, 429, "2");

        await env.Publish(Reply(conversation, 1, "throttled"));

        await AcceptedCount(conversation, 1, RetriesDone);
        var calls = env.AltaBots.Calls(conversation).OrderBy(c => c.StartedAt).ToList();
        Assert.Equal([429, 200], calls.Select(c => c.Status));
        Assert.True(calls[1].StartedAt - calls[0].At >= TimeSpan.FromSeconds(2) - Slack,
            $"retried {(calls[1].StartedAt - calls[0].At).TotalMilliseconds} ms after the 429");
    }

    [Fact]
    public async Task A_503_with_retry_after_as_an_http_date_is_honoured_too()
    {
        var conversation = NewConversation();
        // Whole seconds only in an HTTP date: at least 2 s from now.
        var notBefore = DateTimeOffset.UtcNow.AddSeconds(3);
        env.AltaBots.Throttle(conversation, 503, notBefore.ToString("R"));

        await env.Publish(Reply(conversation, 1, "throttled"));

        var accepted = Assert.Single(await AcceptedCount(conversation, 1, RetriesDone));
        Assert.True(accepted.StartedAt >= notBefore.AddSeconds(-1) - Slack, $"retried at {accepted.StartedAt:O}, asked not before {notBefore:O}");
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
        var others = Enumerable.Range(0, 20).Select(_ => NewConversation()).ToList();

        await env.Publish(Reply(slow, 1, "slow"));
        foreach (var other in others) await env.Publish(Reply(other, 1, "quick"));

        var slowAccepted = Assert.Single(await AcceptedCount(slow, 1, RetriesDone));
        Assert.All(others, other => Assert.True(Assert.Single(env.AltaBots.Accepted(other)).At < slowAccepted.At));
    }

    [Fact]
    public async Task Ten_quick_replies_arrive_in_order_once_each_while_AltaBots_fails_at_random_and_another_conversation_is_not_delayed()
    {
        var flaky = NewConversation();
        var steady = NewConversation();
        env.AltaBots.FailRandomly(flaky, 0.4, seed: 7);
        var texts = Enumerable.Range(1, 10).Select(i => $"reply {i}").ToArray();

        for (var i = 0; i < texts.Length; i++)
        {
            await env.Publish(Reply(flaky, i + 1, texts[i]));
            if (i == 1) await env.Publish(Reply(steady, 1, "steady"));
        }

        var accepted = await AcceptedCount(flaky, texts.Length, TimeSpan.FromSeconds(60));
        Assert.Equal(texts, Texts(accepted));
        Assert.True(env.AltaBots.Calls(flaky).Count > texts.Length, "some attempts failed, or this test proves nothing");
        var steadyCall = Assert.Single(env.AltaBots.Calls(steady));
        Assert.True(steadyCall.At < accepted[^1].StartedAt, "the steady conversation did not wait for the flaky one");
    }

    [Fact]
    public async Task A_message_refused_with_400_is_not_retried_is_failed_and_after_a_replay_is_delivered_once_with_its_id()
    {
        var conversation = NewConversation();
        var refused = Guid.NewGuid();
        env.AltaBots.Refuse(conversation, 400);

        await env.Publish(Reply(conversation, 1, "refused"), refused);
        await env.Publish(Reply(conversation, 2, "after"));

        // A dead letter does not silence the conversation: the next message goes.
        Assert.Equal(["after"], Texts(await AcceptedCount(conversation, 1, RetriesDone)));
        Assert.Equal([400], env.AltaBots.Calls(conversation).Where(c => c.IdempotencyKey == refused.ToString()).Select(c => c.Status));
        var failed = await env.Operations.Get(refused, CancellationToken.None);
        Assert.Equal(DeliveryStatus.Failed, failed?.Status);
        Assert.Equal(1, failed!.Attempts);
        Assert.Equal(400, failed.LastStatusCode);
        Assert.Equal("AltaBots refused it: HTTP 400 (AltaBots code 400)", failed.Failure);
        Assert.Contains(await env.Operations.List(DeliveryStatus.Failed, null, 0, 500, CancellationToken.None), d => d.Id == refused);

        Assert.Equal(ReplayOutcome.Replayed, await env.Operations.Replay(refused, "supervisor-1", CancellationToken.None));

        var accepted = await AcceptedCount(conversation, 2, RetriesDone);
        var replayed = Assert.Single(accepted, c => c.IdempotencyKey == refused.ToString());
        Assert.Equal("refused", replayed.Text);
        // AltaBots has it before Outbound has recorded it: wait for the record.
        await Eventually.True(async () => (await env.Operations.Get(refused, CancellationToken.None))?.Status == DeliveryStatus.Delivered,
            because: "the replayed delivery is recorded delivered");
        Assert.Equal(ReplayOutcome.NotFailed, await env.Operations.Replay(refused, "supervisor-1", CancellationToken.None));
        Assert.Equal(ReplayOutcome.NotFound, await env.Operations.Replay(Guid.NewGuid(), "supervisor-1", CancellationToken.None));
    }

    [Fact]
    public async Task Replaying_everything_failed_since_a_time_sends_it_again_in_the_original_order()
    {
        var conversation = NewConversation();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var ids = Enumerable.Range(1, 3).Select(_ => Guid.NewGuid()).ToArray();
        env.AltaBots.Refuse(conversation, 400, 400, 400);

        for (var i = 0; i < ids.Length; i++) await env.Publish(Reply(conversation, i + 1, $"lost {i + 1}"), ids[i]);
        await Eventually.True(async () => (await Task.WhenAll(ids.Select(id => env.Operations.Get(id, CancellationToken.None))))
            .All(d => d?.Status == DeliveryStatus.Failed), because: "all three failed");

        var replayed = await env.Operations.ReplayFailedSince(before, "supervisor-1", CancellationToken.None);

        Assert.True(replayed >= 3, $"replayed {replayed}");
        Assert.Equal(["lost 1", "lost 2", "lost 3"], Texts(await AcceptedCount(conversation, 3, RetriesDone)));
        Assert.Equal(ids.Select(id => id.ToString()), env.AltaBots.Accepted(conversation).Select(c => c.IdempotencyKey));
    }

    [Fact]
    public async Task Each_change_of_a_delivery_is_published_with_a_growing_revision()
    {
        var conversation = NewConversation();
        var id = Guid.NewGuid();
        env.AltaBots.Refuse(conversation, 503, 400);

        await env.Publish(Reply(conversation, 4, "watched"), id);
        var failed = await Eventually.Get(() => Task.FromResult(env.StatusReports.FirstOrDefault(r => r.DeliveryId == id && r.State == DeliveryState.Failed)),
            RetriesDone, "the failed report");
        await env.Operations.Replay(id, "supervisor-1", CancellationToken.None);
        await Eventually.Get(() => Task.FromResult(env.StatusReports.FirstOrDefault(r => r.DeliveryId == id && r.State == DeliveryState.Delivered)),
            RetriesDone, "the delivered report");

        var reports = env.StatusReports.Where(r => r.DeliveryId == id).OrderBy(r => r.Revision).ToList();
        Assert.Equal([DeliveryState.Retrying, DeliveryState.Failed, DeliveryState.Pending, DeliveryState.Delivered], reports.Select(r => r.State));
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Revision));
        Assert.All(reports, r => Assert.Equal((conversation, 1, 4L), (r.ConversationId, r.Session, r.Sequence!.Value)));
        var retrying = reports[0];
        Assert.Equal((1, 503, "HTTP 503 (AltaBots code 503)"), (retrying.Attempts, retrying.StatusCode!.Value, retrying.Failure));
        Assert.True(retrying.NextAttemptAt > retrying.At);
        Assert.Equal((2, 400), (failed.Attempts, failed.StatusCode!.Value));
        Assert.Equal(1, reports[3].Attempts);
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
        await Eventually.True(async () => (await env.Operations.Get(messageId, CancellationToken.None))?.Status == DeliveryStatus.Delivered,
            because: "the delivery is recorded delivered");
    }

    [Fact]
    public async Task Outbound_reports_ready_when_its_broker_and_database_answer()
    {
        using var http = env.Outbound.CreateClient();

        var response = await http.GetAsync("/health/ready");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
