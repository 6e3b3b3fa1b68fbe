using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Outbound.Operations;
using Handoff.Testing;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Outbound.Tests;

/// <summary>
/// The isolated broker vhost and schema, plus a fake AltaBots and the Outbound service hosted against them, with a short retry
/// schedule. A subclass rather than a second fixture: xunit 2 class fixtures cannot depend on one another. Subclasses change
/// settings through <see cref="Settings"/>.
/// </summary>
public class OutboundFixture : IsolatedEnvironment
{
    public const string ApiKey = "test-api-key";
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan[] Waits = [TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(1600)];
    public const double Jitter = 0.1;

    private readonly List<WebApplicationFactory<Program>> _instances = [];

    public FakeAltaBots AltaBots { get; private set; } = null!;
    public WebApplicationFactory<Program> Outbound => _instances[0];
    public IBus Bus => Outbound.Services.GetRequiredService<IBus>();
    public IDeliveryOperations Operations => Outbound.Services.GetRequiredService<IDeliveryOperations>();

    /// <summary>Every DeliveryStatusChanged published in this environment, as received from the broker.</summary>
    public ConcurrentQueue<DeliveryStatusChanged> StatusReports { get; } = new();

    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["AltaBots:Timeout"] = AttemptTimeout.ToString(),
        ["Outbound:RetrySchedule"] = string.Join(' ', Waits.Select(w => $"{w.TotalMilliseconds}ms")),
        ["Outbound:Jitter"] = Jitter.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Outbound:PollInterval"] = "00:00:00.100",
        // Tests here fail conversations on purpose; only the outage tests want the breaker to trip.
        ["Outbound:BreakerThreshold"] = "1000",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();
        StartInstance();
        var statuses = Bus.ConnectReceiveEndpoint($"test-status-{Id}", endpoint =>
            endpoint.Handler<DeliveryStatusChanged>(context =>
            {
                StatusReports.Enqueue(context.Message);
                return Task.CompletedTask;
            }));
        await statuses.Ready;
    }

    /// <summary>Starts one more Outbound instance on the same broker, database and AltaBots (instance 0 is started by the fixture).</summary>
    public WebApplicationFactory<Program> StartInstance()
    {
        // MassTransit keeps the first host's logger factory in a static; a host started after that one stopped would log
        // through it, disposed. Forget it, so each host brings its own.
        LogContext.Current = null!;
        var instance = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in ServiceConfiguration("outbound")) builder.UseSetting(key, value);
            builder.UseSetting("AltaBots:BaseUrl", AltaBots.BaseUrl.ToString());
            builder.UseSetting("AltaBots:ApiKey", ApiKey);
            builder.UseSetting("Auth:SigningKey", DevToken.TestSigningKey);
            foreach (var (key, value) in Settings) builder.UseSetting(key, value);
            // Publishing before the queue is bound would drop the test's messages.
            builder.ConfigureServices(s => s.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true));
        });
        _ = instance.Services;
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Stops an instance the way Kubernetes does (SIGTERM: attempts in flight finish), and forgets it.</summary>
    public async Task StopInstance(WebApplicationFactory<Program> instance)
    {
        _instances.Remove(instance);
        LogContext.Current = null!;
        await instance.DisposeAsync();
    }

    public Task Publish<T>(T message, Guid? messageId = null) where T : class =>
        Bus.Publish(message, context => context.MessageId = messageId ?? NewId.NextGuid());

    /// <summary>The messages in a queue of this vhost, left in place (RabbitMQ management "get", requeued).</summary>
    public async Task<IReadOnlyList<JsonElement>> PeekQueue(string queue)
    {
        using var http = ManagementClient();
        var response = await http.PostAsJsonAsync($"api/queues/{VirtualHost}/{queue}/get",
            new { count = 100, ackmode = "ack_requeue_true", encoding = "auto" });
        if (!response.IsSuccessStatusCode) return [];
        return await response.Content.ReadFromJsonAsync<List<JsonElement>>() ?? [];
    }

    public override async Task DisposeAsync()
    {
        // Either may be missing when set-up failed half way.
        foreach (var instance in _instances) await instance.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
