using Handoff.Contracts;
using Handoff.Testing;

namespace Handoff.Outbound.Tests;

// WebApplicationFactory<Program> finds the host through process-wide hosting events: two built at once can cross.
[Collection(nameof(Program))]
public sealed class DeliveryMetricsTests(OutboundFixture env) : IClassFixture<OutboundFixture>
{
    [Fact]
    public async Task The_delivery_metrics_the_dashboard_reads_are_on_the_scrape_endpoint_once_deliveries_succeed_retry_and_fail()
    {
        var (delivered, retried, refused) = ("m" + Guid.NewGuid().ToString("N")[..20], "m" + Guid.NewGuid().ToString("N")[..20], "m" + Guid.NewGuid().ToString("N")[..20]);
        env.AltaBots.Refuse(retried, 503);
        env.AltaBots.Refuse(refused, 400);
        foreach (var conversation in new[] { delivered, retried, refused })
            await env.Publish(new AgentReplied(conversation, 1, 1, "agent-7", "hello", DateTimeOffset.UtcNow));

        await Eventually.True(() => env.AltaBots.Accepted(delivered).Count == 1 && env.AltaBots.Accepted(retried).Count == 1
            && env.AltaBots.Calls(refused).Count == 1, TimeSpan.FromSeconds(30), "one delivered, one after a retry, one refused");

        using var client = env.Outbound.CreateClient();
        // Each delivery's outcome is recorded as it is settled, a moment after AltaBots' answer.
        await Dashboard.AssertScrapedBy("Outbound", () => client.GetStringAsync("/metrics"), TimeSpan.FromSeconds(10));
    }
}
