using System.Net;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>Outbound waits a fixed 4 s between attempts, long enough to kill it and start another process in between.</summary>
public sealed class SlowRetrySystem : HandoffSystem
{
    public static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(4);

    public override TimeSpan IdleTimeout => TimeSpan.FromMinutes(5);

    protected override IEnumerable<(string Service, string Key, string Value)> Settings =>
    [
        ("Outbound", "Outbound__RetrySchedule", "4s"),
        ("Outbound", "Outbound__Jitter", "0"),
    ];
}

public class OutboundKillTests(SlowRetrySystem system, ITestOutputHelper output) : IClassFixture<SlowRetrySystem>
{
    private const string ConversationId = ReferenceExample.ConversationId;
    private const string Reply = "I have reset your password.";
    // The next process has to start first; this shared 2-core machine may take a few seconds for that.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);
    private static readonly string Agent = DevToken.Create("alice", role: DevToken.Agent, bots: [ReferenceExample.BotId]);
    private static readonly string Supervisor = DevToken.Create("sam");

    [Fact]
    public async Task A_retry_due_when_Outbound_is_killed_is_made_once_and_on_time_by_the_next_process()
    {
        await system.PrintingLogsOnFailure(output, Run);
    }

    private async Task Run()
    {
        await system.EstablishReferenceExample();
        var (sequence, refused) = await system.ReplyRefusedOnce(Agent, Reply, 503);
        var deliveryId = refused.IdempotencyKey!;

        // Killed as soon as the refusal is on record, with its retry scheduled. (Killed before that, during the attempt,
        // the conversation would come back only when its lease ran out, AltaBots' timeout plus 30 s later.)
        await Eventually.True(async () =>
            (int?)(await system.Api(HttpMethod.Get, $"/api/deliveries/{deliveryId}", Supervisor))["attempts"] == 1,
            TimeSpan.FromSeconds(10), "Outbound records the refused attempt");
        var killed = system.Services.Single(s => s.Name == "Outbound");
        await killed.KillAsync();
        await system.Restart(killed);
        var restartedAt = DateTimeOffset.UtcNow;

        var accepted = await Eventually.Get(() => Task.FromResult(system.AltaBots.Accepted(ConversationId).FirstOrDefault(c => c.Text == Reply)),
            TimeSpan.FromSeconds(30), "the next Outbound process delivers the reply");
        output.WriteLine($"refused → next process ready {(restartedAt - refused.At).TotalMilliseconds:F0} ms, → retry accepted {(accepted.StartedAt - refused.At).TotalMilliseconds:F0} ms");
        var earliest = refused.At + SlowRetrySystem.RetryWait;
        var latest = (earliest > restartedAt ? earliest : restartedAt) + Slack;
        Assert.True(accepted.StartedAt >= earliest, $"retried {(accepted.StartedAt - refused.At).TotalMilliseconds:F0} ms after the refusal");
        Assert.True(accepted.StartedAt <= latest,
            $"retried {(accepted.StartedAt - refused.At).TotalMilliseconds:F0} ms after the refusal, " +
            $"{(accepted.StartedAt - restartedAt).TotalMilliseconds:F0} ms after the next process was ready");

        var delivered = await system.DeliveryShown(ConversationId, sequence, "delivered", Agent);
        Assert.Equal(2, (int?)delivered["attempts"]);
        Assert.Equal([(503, deliveryId), (200, deliveryId)],
            system.AltaBots.Calls(ConversationId).Where(c => c.Text == Reply).Select(c => (c.Status, c.IdempotencyKey)));
    }
}
