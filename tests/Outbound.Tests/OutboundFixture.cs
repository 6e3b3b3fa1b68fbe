using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Handoff.Testing;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Outbound.Tests;

/// <summary>
/// The isolated broker vhost and schema, plus a fake AltaBots and the Outbound service hosted against them.
/// A subclass rather than a second fixture: xunit 2 class fixtures cannot depend on one another.
/// </summary>
public sealed class OutboundFixture : IsolatedEnvironment
{
    public const string ApiKey = "test-api-key";
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public FakeAltaBots AltaBots { get; private set; } = null!;
    public WebApplicationFactory<Program> Outbound { get; private set; } = null!;
    public IBus Bus => Outbound.Services.GetRequiredService<IBus>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();
        Outbound = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in ServiceConfiguration("outbound")) builder.UseSetting(key, value);
            builder.UseSetting("AltaBots:BaseUrl", AltaBots.BaseUrl.ToString());
            builder.UseSetting("AltaBots:ApiKey", ApiKey);
            builder.UseSetting("AltaBots:Timeout", AttemptTimeout.ToString());
            // Publishing before the queue is bound would drop the test's messages.
            builder.ConfigureServices(s => s.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true));
        });
        _ = Outbound.Services;
    }

    public Task Publish<T>(T message, Guid? messageId = null) where T : class =>
        Bus.Publish(message, context => context.MessageId = messageId ?? NewId.NextGuid());

    /// <summary>The messages in a queue of this vhost, left in place (RabbitMQ management "get", requeued).</summary>
    public async Task<IReadOnlyList<JsonElement>> PeekQueue(string queue)
    {
        var management = Infrastructure.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        var response = await http.PostAsJsonAsync($"api/queues/{VirtualHost}/{queue}/get",
            new { count = 100, ackmode = "ack_requeue_true", encoding = "auto" });
        if (!response.IsSuccessStatusCode) return [];
        return await response.Content.ReadFromJsonAsync<List<JsonElement>>() ?? [];
    }

    public override async Task DisposeAsync()
    {
        // Either may be missing when set-up failed half way.
        if (Outbound is not null) await Outbound.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
