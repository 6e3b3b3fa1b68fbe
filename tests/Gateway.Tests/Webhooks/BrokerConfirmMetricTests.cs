using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Handoff.Contracts;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Webhooks;

public sealed class BrokerConfirmMetricTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Each_accepted_webhook_records_how_long_the_broker_took_to_confirm_its_command()
    {
        var measurements = new ConcurrentQueue<(double Seconds, string? Command)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument is { Meter.Name: "Handoff.Gateway", Name: "handoff.gateway.broker.confirm.duration" }) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == "command") measurements.Enqueue((value, tag.Value as string));
        });
        listener.Start();
        var id = NewConversationId();

        var response = await host.Factory.CreateClient().PostJsonAsync("/chat", Chat(id));

        response.EnsureSuccessStatusCode();
        await host.Commands.TakeUntilAsync<PostUserMessage>(id);
        // The meter is process-wide and other test classes send webhooks too: this one's is among them.
        Assert.Contains(measurements, m => m.Command == nameof(PostUserMessage) && m.Seconds is > 0 and < 5);
    }
}
