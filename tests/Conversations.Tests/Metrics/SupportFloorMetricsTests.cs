using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Handoff.Contracts;
using Handoff.Conversations.Tests.Service;
using Handoff.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Metrics;

/// <summary>The Conversations service with the support-floor gauges counted often, so a test sees them move.</summary>
public class FloorService : ConversationsService
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("SupportFloor:RefreshInterval", "00:00:00.100")];
}

public class SupportFloorMetricsTests(FloorService service) : IClassFixture<FloorService>
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_handoff_moves_from_waiting_to_active_to_closed_and_its_waits_are_measured()
    {
        var bot = "bot-" + Guid.NewGuid().ToString("N")[..8];
        using var meter = new FloorMeter(service.Factory.Services.GetRequiredService<IMeterFactory>(), bot);
        var id = NewId();
        var at = DateTimeOffset.UtcNow;

        await service.Send(new EstablishConversation(id, bot, at, null, new UserInfo(null, "anon-1", null, null), []));
        await Eventually.True(() => meter.Gauge("handoff.conversations.waiting") == 1 && meter.Gauge("handoff.conversations.active") == 0,
            Soon, "the handoff shows as waiting");
        Assert.Equal(1, meter.Sum("handoff.conversations.handoffs"));
        Assert.Equal(0, meter.Count("handoff.conversations.queue_wait"));

        // The user writes, then an agent answers: the first reply ends both the queue wait and the user's wait.
        await service.Send(new PostUserMessage(id, at.AddSeconds(1), "is anyone there?"));
        await service.ViewWhen(id, v => v.GetProperty("transcript").EnumerateArray().Any(t => t.GetProperty("author").GetString() == "user"),
            "the user's message is recorded");
        using var agent = service.Agent("agent-1");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = "hello" })).StatusCode);
        await Eventually.True(() => meter.Count("handoff.conversations.queue_wait") == 1 && meter.Count("handoff.conversations.agent_response_time") == 1,
            Soon, "the queue wait and the response time are recorded");
        await Eventually.True(() => meter.Gauge("handoff.conversations.waiting") == 0 && meter.Gauge("handoff.conversations.active") == 1,
            Soon, "the handoff shows as active");
        Assert.True(meter.Values("handoff.conversations.queue_wait").Single() >= meter.Values("handoff.conversations.agent_response_time").Single(),
            "the queue wait started before the user's message");

        // A second reply answers no new message: neither wait is measured again.
        await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = "how can I help?" });
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsync($"/api/conversations/{id}/close", null)).StatusCode);
        await Eventually.True(() => meter.Count("handoff.conversations.closes", "agent") == 1 && meter.Count("handoff.conversations.duration") == 1,
            Soon, "the close is counted with its reason and duration");
        await Eventually.True(() => meter.Gauge("handoff.conversations.waiting") == 0 && meter.Gauge("handoff.conversations.active") == 0,
            Soon, "the handoff no longer shows as open");
        Assert.Equal(1, meter.Count("handoff.conversations.queue_wait"));
        Assert.Equal(1, meter.Count("handoff.conversations.agent_response_time"));
        Assert.Equal(1, meter.Sum("handoff.conversations.handoffs"));

    }

    [Fact]
    public async Task The_service_metrics_the_dashboard_reads_are_on_the_scrape_endpoint()
    {
        // Traffic for each family: one handoff left open with an agent on it (the gauges), one closed (closes,
        // durations), over HTTP and the broker, and one consumer fault.
        var (open, closed) = (NewId(), NewId());
        using var agent = service.Agent("agent-2");
        foreach (var id in new[] { open, closed })
        {
            await service.Send(Establish(id, DateTimeOffset.UtcNow));
            await service.Send(new PostUserMessage(id, DateTimeOffset.UtcNow.AddSeconds(1), "hello?"));
            await service.ViewWhen(id, v => v.GetProperty("transcript").EnumerateArray().Any(t => t.GetProperty("author").GetString() == "user"),
                "the user's message is recorded");
            await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = "hi" });
        }
        await agent.PostAsync($"/api/conversations/{closed}/close", null);

        // MassTransit's meter is process-wide, so a throwaway endpoint on the service's bus can fault for it.
        var bus = service.Factory.Services.GetRequiredService<IBus>();
        var queue = $"metrics-fault-probe-{service.Id}";
        var probe = bus.ConnectReceiveEndpoint(queue, e =>
        {
            e.UseMessageRetry(r => r.None());
            e.Consumer<FaultingConsumer>();
        });
        await probe.Ready;
        await (await bus.GetSendEndpoint(new Uri($"queue:{queue}"))).Send(new FaultProbe(open));

        using var client = service.Factory.CreateClient();
        await Dashboard.AssertScrapedBy("Conversations", () => client.GetStringAsync("/metrics"), TimeSpan.FromSeconds(20));
        await probe.StopAsync();
    }
}

public record FaultProbe(string Id);

public class FaultingConsumer : IConsumer<FaultProbe>
{
    public Task Consume(ConsumeContext<FaultProbe> context) => throw new InvalidOperationException("a fault for the metrics");
}
