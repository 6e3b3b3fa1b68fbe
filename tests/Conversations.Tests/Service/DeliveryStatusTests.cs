using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using Handoff.Testing;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static Handoff.Conversations.Tests.Service.ConversationsService;

namespace Handoff.Conversations.Tests.Service;

/// <summary>Outbound's reports, published on the broker as Outbound does, shown in the transcript an agent reads.</summary>
public class DeliveryStatusTests(ConversationsService service) : IClassFixture<ConversationsService>
{
    [Fact]
    public async Task A_reply_shows_retrying_then_delivered_and_a_stale_report_changes_nothing()
    {
        var id = await Established();
        var (sequence, deliveryId) = await Reply(id);
        var t = DateTimeOffset.UtcNow;

        await Publish(new DeliveryStatusChanged(deliveryId, id, 1, sequence, 2, DeliveryState.Retrying, 2, t, t.AddSeconds(30), 503, "AltaBots answered 503"));
        var retrying = Delivery(await service.ViewWhen(id, v => State(v, sequence) == "retrying", "the retry shows"), sequence);
        Assert.Equal(2, retrying.GetProperty("attempts").GetInt32());
        Assert.Equal(t.AddSeconds(30), retrying.GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, retrying.GetProperty("deliveredAt").ValueKind);

        await Publish(new DeliveryStatusChanged(deliveryId, id, 1, sequence, 3, DeliveryState.Delivered, 3, t.AddSeconds(31), null, 200, null));
        var delivered = Delivery(await service.ViewWhen(id, v => State(v, sequence) == "delivered", "the delivery shows"), sequence);
        Assert.Equal(t.AddSeconds(31), delivered.GetProperty("deliveredAt").GetDateTimeOffset());
        Assert.Equal(3, delivered.GetProperty("attempts").GetInt32());

        // The first attempt's report, overtaken on the way by the later ones.
        var stale = new DeliveryStatusChanged(deliveryId, id, 1, sequence, 1, DeliveryState.Retrying, 1, t.AddSeconds(-1), t.AddSeconds(10), 503, "AltaBots answered 503");
        await PublishAndWaitUntilConsumed(stale);
        var view = await service.ViewWhen(id, _ => true, "the view is read");
        Assert.Equal(delivered.GetRawText(), Delivery(view, sequence).GetRawText());
    }

    [Fact]
    public async Task A_failed_reply_shows_why()
    {
        var id = await Established();
        var (sequence, deliveryId) = await Reply(id);

        await Publish(new DeliveryStatusChanged(deliveryId, id, 1, sequence, 4, DeliveryState.Failed, 5, DateTimeOffset.UtcNow, null, 400,
            "AltaBots rejected the message"));

        var failed = Delivery(await service.ViewWhen(id, v => State(v, sequence) == "failed", "the failure shows"), sequence);
        Assert.Equal("AltaBots rejected the message", failed.GetProperty("failure").GetString());
        Assert.Equal(400, failed.GetProperty("statusCode").GetInt32());
        Assert.Equal(5, failed.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("deliveredAt").ValueKind);
    }

    [Fact]
    public async Task The_greeting_starts_pending_and_user_turns_have_no_delivery()
    {
        var id = NewId();
        await service.Send(Establish(id, DateTimeOffset.UtcNow, new BotTurn(BotTurnKind.Question, "human please")));

        var view = await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff lands");

        var transcript = view.GetProperty("transcript").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, transcript[0].GetProperty("delivery").ValueKind);
        var greeting = transcript[1].GetProperty("delivery");
        Assert.Equal("system", transcript[1].GetProperty("author").GetString());
        Assert.Equal("pending", greeting.GetProperty("state").GetString());
        Assert.Equal(0, greeting.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task An_agent_close_shows_its_delivery()
    {
        var id = await Established();
        using var agent = service.Agent();
        (await agent.PostAsync($"/api/conversations/{id}/close", null)).EnsureSuccessStatusCode();
        var closed = await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "closed", "the close lands");
        Assert.Equal("pending", closed.GetProperty("closeDelivery").GetProperty("state").GetString());

        var at = DateTimeOffset.UtcNow;
        await Publish(new DeliveryStatusChanged(await EventId<ConversationWasClosed>(id), id, 1, null, 2, DeliveryState.Delivered, 1, at, null, 200, null));

        var view = await service.ViewWhen(id, v => v.GetProperty("closeDelivery").GetProperty("state").GetString() == "delivered", "the close's delivery shows");
        Assert.Equal(at, view.GetProperty("closeDelivery").GetProperty("deliveredAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_platform_close_has_no_delivery()
    {
        var id = await Established();

        await service.Send(new RecordPlatformClose(id, DateTimeOffset.UtcNow, PlatformCloseType.UserClosed));

        var view = await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "closed", "the close lands");
        Assert.Equal(JsonValueKind.Null, view.GetProperty("closeDelivery").ValueKind);
    }

    private async Task<string> Established()
    {
        var id = NewId();
        await service.Send(Establish(id, DateTimeOffset.UtcNow));
        await service.ViewWhen(id, v => v.GetProperty("status").GetString() == "waiting", "the handoff lands");
        return id;
    }

    /// <summary>Replies as an agent; returns the reply's sequence and its delivery id (the id of its stream event, as Outbound knows it).</summary>
    private async Task<(long Sequence, Guid DeliveryId)> Reply(string id)
    {
        using var agent = service.Agent();
        var response = await agent.PostAsJsonAsync($"/api/conversations/{id}/messages", new { text = "Hi, how can I help?" });
        response.EnsureSuccessStatusCode();
        var sequence = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt64();
        Assert.Equal("pending", State(await service.ViewWhen(id, v => State(v, sequence) is not null, "the reply shows"), sequence));
        return (sequence, await EventId<AgentReplyPosted>(id));
    }

    private static JsonElement Delivery(JsonElement view, long sequence) =>
        view.GetProperty("transcript").EnumerateArray().Single(e => e.GetProperty("sequence").GetInt64() == sequence).GetProperty("delivery");

    private static string? State(JsonElement view, long sequence) =>
        view.GetProperty("transcript").EnumerateArray().Where(e => e.GetProperty("sequence").GetInt64() == sequence)
            .Select(e => e.GetProperty("delivery")).Where(d => d.ValueKind == JsonValueKind.Object)
            .Select(d => d.GetProperty("state").GetString()).SingleOrDefault();

    private async Task<Guid> EventId<T>(string id)
    {
        await using var session = service.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(id)).Single(e => e.Data is T).Id;
    }

    private Task Publish(DeliveryStatusChanged report) => service.Factory.Services.GetRequiredService<IBus>().Publish(report);

    /// <summary>A report that changes nothing shows nothing to wait for: wait until the service has consumed it instead.</summary>
    private async Task PublishAndWaitUntilConsumed(DeliveryStatusChanged report)
    {
        var bus = service.Factory.Services.GetRequiredService<IBus>();
        var consumed = new ConsumedReports();
        var handle = bus.ConnectConsumeObserver(consumed);
        try
        {
            await bus.Publish(report);
            await Eventually.True(() => consumed.Contains(report), because: "the service consumes the report");
        }
        finally
        {
            handle.Disconnect();
        }
    }

    private sealed class ConsumedReports : IConsumeObserver
    {
        private readonly ConcurrentQueue<DeliveryStatusChanged> reports = new();

        public bool Contains(DeliveryStatusChanged report) => reports.Contains(report);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.Message is DeliveryStatusChanged report) reports.Enqueue(report);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
