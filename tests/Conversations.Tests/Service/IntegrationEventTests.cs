using System.Net.Http.Json;
using Handoff.Contracts;
using Handoff.Conversations.IntegrationEvents;
using Handoff.Testing;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Service;

public class IntegrationEventTests(ConversationsService service) : IClassFixture<ConversationsService>
{
    [Fact]
    public async Task Each_stream_event_is_published_once_in_order_with_its_event_id()
    {
        var id = NewId();
        var t0 = DateTimeOffset.UtcNow;
        var platformTime = t0.AddDays(-30); // a platform clock far off ours
        await service.Send(Establish(id, platformTime));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff lands");
        await service.Send(new PostUserMessage(id, platformTime.AddSeconds(1), "hi"));
        await service.ViewWhen(id, v => v.GetProperty("transcript").GetArrayLength() == 2, "the chat lands");
        using var agent = service.Agent("agent-3");
        (await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = "hello" })).EnsureSuccessStatusCode();
        (await agent.PostAsync($"/api/conversations/{id}/close", null)).EnsureSuccessStatusCode();

        await Eventually.True(() => service.Observed.For(id).Count >= 6, because: "all six events are published");

        var observed = service.Observed.For(id);
        Assert.Collection(observed.Select(o => o.Message),
            m => Assert.Equal(new HandoffRequested(id, 1, "bot-1", default), Assert.IsType<HandoffRequested>(m) with { At = default }),
            m => Assert.Equal(1, Assert.IsType<SystemMessageSent>(m).Session),
            m => Assert.Equal(new UserMessageReceived(id, 1, 2, "hi", default), Assert.IsType<UserMessageReceived>(m) with { At = default }),
            m => Assert.Equal("agent-3", Assert.IsType<AgentAssigned>(m).AgentId),
            m => Assert.Equal((3L, "hello"), (Assert.IsType<AgentReplied>(m).Sequence, ((AgentReplied)m).Text)),
            m => Assert.Equal(CloseReason.Agent, Assert.IsType<ConversationClosed>(m).Reason));
        // At is when Handoff recorded each event, not the webhook's timestamp: timers measure from it.
        var recorded = observed.Select(o => (DateTimeOffset)((dynamic)o.Message).At).ToArray();
        Assert.All(recorded, at => Assert.InRange(at, t0.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Equal(recorded.Order(), recorded);
        var ids = await EventIds(id);
        Assert.Equal(ids, observed.Select(o => o.MessageId!.Value));
    }

    [Fact]
    public async Task Replayed_events_keep_their_message_ids()
    {
        var id = NewId();
        await service.Send(Establish(id, DateTimeOffset.UtcNow));
        await Eventually.True(() => service.Observed.For(id).Count >= 2, because: "the handoff and greeting are published");
        var first = service.Observed.For(id).Select(o => o.MessageId).ToList();

        var coordinator = service.Factory.Services.GetRequiredService<IProjectionCoordinator>();
        var daemon = coordinator.DaemonForMainDatabase();
        await daemon.RewindSubscriptionAsync(IntegrationEventPublisher.SubscriptionName, CancellationToken.None, 0);

        await Eventually.True(() => service.Observed.For(id).Count >= 4, because: "the rewound subscription publishes again");
        var all = service.Observed.For(id).Select(o => o.MessageId).ToList();
        Assert.Equal(first.Concat(first), all);
    }

    private async Task<List<Guid>> EventIds(string id)
    {
        await using var session = service.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        return events.Select(e => e.Id).ToList();
    }
}
