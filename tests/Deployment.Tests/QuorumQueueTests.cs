using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.ServiceDefaults;
using Handoff.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Handoff.Deployment.Tests;

/// <summary>RabbitMq:QuorumQueues, through the broker set-up every service shares, on the real broker (quorum queues work on one node).</summary>
public class QuorumQueueTests(IsolatedEnvironment environment) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task With_quorum_queues_on_a_consumer_queue_and_its_error_queue_are_quorum_queues_and_messages_flow()
    {
        await using var host = await StartAsync("quorum-probe", quorum: true);
        await host.Services.GetRequiredService<IBus>().Publish(new Probe(Fail: false));
        await host.Services.GetRequiredService<IBus>().Publish(new Probe(Fail: true));

        await Eventually.True(() => Received.Count(p => !p.Fail) >= 1, because: "the probe is consumed from a quorum queue");
        await Eventually.True(async () => await QueueType("quorum-probe_error") is not null, because: "the failed probe reaches the error queue");
        Assert.Equal("quorum", await QueueType("quorum-probe"));
        Assert.Equal("quorum", await QueueType("quorum-probe_error"));
    }

    [Fact]
    public async Task Without_the_setting_queues_stay_classic_for_a_single_node()
    {
        await using var host = await StartAsync("classic-probe", quorum: null);
        Assert.Equal("classic", await QueueType("classic-probe"));
    }

    private static readonly List<Probe> Received = [];

    public sealed record Probe(bool Fail);

    public sealed class ProbeConsumer : IConsumer<Probe>
    {
        public Task Consume(ConsumeContext<Probe> context)
        {
            if (context.Message.Fail) throw new InvalidOperationException("probe told to fail");
            lock (Received) Received.Add(context.Message);
            return Task.CompletedTask;
        }
    }

    private async Task<IHost> StartAsyncCore(string queue, bool? quorum)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:RabbitMq"] = environment.RabbitMqUri.ToString();
        if (quorum is { } on) builder.Configuration[Messaging.QuorumQueuesKey] = on ? "true" : "false";
        builder.AddHandoffMessaging(x => x.AddConsumer<ProbeConsumer>().Endpoint(e => e.Name = queue));
        // A broker that refuses the declarations must fail the test here, not leave a bus retrying in the background.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private async Task<AsyncHost> StartAsync(string queue, bool? quorum) => new(await StartAsyncCore(queue, quorum));

    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>The queue's type as the broker reports it, or null while it does not exist.</summary>
    private async Task<string?> QueueType(string queue)
    {
        using var http = environment.ManagementClient();
        var response = await http.GetAsync($"api/queues/{environment.VirtualHost}/{queue}");
        if (!response.IsSuccessStatusCode) return null;
        return (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["type"];
    }
}
