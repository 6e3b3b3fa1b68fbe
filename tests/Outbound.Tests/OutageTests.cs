using Handoff.Contracts;
using Handoff.Outbound.Deliveries;
using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Outbound.Tests;

/// <summary>A breaker that trips after three failures and pauses briefly, and at most four requests in flight.</summary>
public sealed class OutageFixture : OutboundFixture
{
    public const int Threshold = 3;
    public const int MaxInFlight = 4;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Outbound:BreakerThreshold"] = Threshold.ToString(),
        ["Outbound:BreakerPause"] = "00:00:00.500",
        ["Outbound:BreakerMaxPause"] = "00:00:01",
        ["Outbound:MaxInFlight"] = MaxInFlight.ToString(),
    };
}

[Collection(nameof(Program))]
public sealed class OutageTests(OutageFixture env) : IClassFixture<OutageFixture>
{
    private static readonly DateTimeOffset At = new(2025, 3, 18, 2, 31, 30, 895, TimeSpan.Zero);

    [Fact]
    public async Task While_AltaBots_is_down_Outbound_backs_off_as_a_whole_and_afterwards_drains_the_backlog_in_order_once_each()
    {
        var breaker = env.Outbound.Services.GetRequiredService<CircuitBreaker>();
        var conversations = Enumerable.Range(0, 30).Select(i => $"outage-{i}-{Guid.NewGuid():N}"[..24]).ToList();
        env.AltaBots.Down = true;

        foreach (var conversation in conversations)
            for (var sequence = 1; sequence <= 2; sequence++)
                await env.Publish(new AgentReplied(conversation, 1, sequence, "agent-7", $"reply {sequence}", At));

        await Eventually.True(() => Task.FromResult(breaker.Current != CircuitBreaker.State.Closed), because: "the circuit opened");
        var callsWhenOpened = env.AltaBots.AllCalls.Count;
        // Two probes later, still no flood: without the breaker every one of the 30 conversations would have been tried.
        await Eventually.True(() => Task.FromResult(env.AltaBots.AllCalls.Count >= callsWhenOpened + 2), TimeSpan.FromSeconds(20),
            "two probes went out");
        var callsWhileDown = env.AltaBots.AllCalls.Count;
        Assert.True(callsWhenOpened <= OutageFixture.Threshold + OutageFixture.MaxInFlight, $"{callsWhenOpened} calls before the circuit opened");
        Assert.True(callsWhileDown <= callsWhenOpened + 3, $"{callsWhileDown} calls while down");
        Assert.True(env.AltaBots.MaxInFlight <= OutageFixture.MaxInFlight, $"{env.AltaBots.MaxInFlight} requests in flight at once");

        env.AltaBots.Down = false;

        foreach (var conversation in conversations)
        {
            var accepted = await Eventually.Get(
                () => Task.FromResult(env.AltaBots.Accepted(conversation) is { Count: >= 2 } calls ? calls : null), TimeSpan.FromSeconds(30),
                $"both replies of {conversation}");
            Assert.Equal(["reply 1", "reply 2"], accepted.Select(c => c.Text));
        }
        Assert.True(env.AltaBots.MaxInFlight <= OutageFixture.MaxInFlight, $"{env.AltaBots.MaxInFlight} requests in flight at once while draining");
        Assert.Equal(CircuitBreaker.State.Closed, breaker.Current);
    }
}

/// <summary>One long wait between attempts, so an instance can be stopped while a message waits for its retry.</summary>
public sealed class RestartFixture : OutboundFixture
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Outbound:RetrySchedule"] = $"{Wait.TotalSeconds}s",
        ["Outbound:Jitter"] = "0",
    };
}

[Collection(nameof(Program))]
public sealed class RestartTests(RestartFixture env) : IClassFixture<RestartFixture>
{
    [Fact]
    public async Task A_message_waiting_for_its_retry_is_delivered_once_and_on_time_by_an_instance_started_after_the_first_stopped()
    {
        var conversation = "restart-" + Guid.NewGuid().ToString("N")[..12];
        env.AltaBots.Refuse(conversation, 503);

        await env.Publish(new AgentReplied(conversation, 1, 1, "agent-7", "survives restarts", DateTimeOffset.UtcNow));
        var refused = await Eventually.Get(() => Task.FromResult(env.AltaBots.Calls(conversation).FirstOrDefault()), because: "the first attempt");
        await env.StopInstance(env.Outbound);
        Assert.Empty(env.AltaBots.Accepted(conversation));
        env.StartInstance();

        var accepted = await Eventually.Get(() => Task.FromResult(env.AltaBots.Accepted(conversation).SingleOrDefault()), TimeSpan.FromSeconds(20),
            "the retry");
        var waited = accepted.StartedAt - refused.At;
        Assert.True(waited >= RestartFixture.Wait - TimeSpan.FromMilliseconds(50), $"retried after {waited.TotalMilliseconds} ms");
        Assert.True(waited < RestartFixture.Wait + TimeSpan.FromSeconds(2), $"retried after {waited.TotalMilliseconds} ms");
        Assert.Equal(2, env.AltaBots.Calls(conversation).Count);
        Assert.Equal(refused.IdempotencyKey, accepted.IdempotencyKey);
    }
}

[Collection(nameof(Program))]
public sealed class ScaleOutTests(OutboundFixture env) : IClassFixture<OutboundFixture>
{
    [Fact]
    public async Task Two_instances_deliver_500_replies_across_50_conversations_once_each_and_in_order()
    {
        env.StartInstance();
        var conversations = Enumerable.Range(0, 50).Select(i => $"scale-{i}-{Guid.NewGuid():N}"[..24]).ToList();
        foreach (var (conversation, i) in conversations.Select((c, i) => (c, i)))
            if (i % 5 == 0) env.AltaBots.FailRandomly(conversation, 0.2, seed: i);

        var ids = new Dictionary<string, List<string>>();
        for (var sequence = 1; sequence <= 10; sequence++)
            foreach (var conversation in conversations)
            {
                var id = Guid.NewGuid();
                (ids.TryGetValue(conversation, out var list) ? list : ids[conversation] = []).Add(id.ToString());
                await env.Publish(new AgentReplied(conversation, 1, sequence, "agent-7", $"reply {sequence}", DateTimeOffset.UtcNow), id);
            }

        await Eventually.True(() => Task.FromResult(env.AltaBots.AllCalls.Count(c => c.Accepted) >= 500), TimeSpan.FromSeconds(90),
            "500 accepted deliveries");
        foreach (var conversation in conversations)
        {
            var accepted = env.AltaBots.Accepted(conversation).OrderBy(c => c.At).ToList();
            Assert.Equal(ids[conversation], accepted.Select(c => c.IdempotencyKey));
            Assert.Equal(Enumerable.Range(1, 10).Select(i => $"reply {i}"), accepted.Select(c => c.Text));
        }
        Assert.Equal(500, env.AltaBots.AllCalls.Count(c => c.Accepted));
    }
}
