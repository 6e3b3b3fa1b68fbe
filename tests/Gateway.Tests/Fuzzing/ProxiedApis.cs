extern alias conversations;
extern alias outbound;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Handoff.Gateway.Tests.Webhooks.Requests;

namespace Handoff.Gateway.Tests.Fuzzing;

/// <summary>
/// The public edge as deployed: the Gateway listening on a real port (Kestrel, with its limits and its parsing) in front
/// of a real Conversations and a real Outbound, each on a port of its own, all in this environment's vhost and schemas.
/// </summary>
public sealed class ProxiedApis : IsolatedEnvironment
{
    public const string WebhookSecret = "proxied-secret-0123456789abcdefghij";

    public WebApplicationFactory<conversations::Program> Conversations { get; private set; } = null!;
    public WebApplicationFactory<outbound::Program> Outbound { get; private set; } = null!;
    public WebApplicationFactory<Program> Gateway { get; private set; } = null!;
    public FakeAltaBots AltaBots { get; private set; } = null!;

    /// <summary>Where the Gateway listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri GatewayAddress { get; private set; } = null!;

    /// <summary>A conversation that exists and is open, handed off through the Gateway, its greeting delivered.</summary>
    public string Existing { get; } = NewConversationId();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();

        Conversations = Listening(new WebApplicationFactory<conversations::Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in ServiceConfiguration("conversations")) builder.UseSetting(key, value);
            builder.UseSetting("Auth:SigningKey", DevToken.TestSigningKey);
        }));
        Outbound = Listening(new WebApplicationFactory<outbound::Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in ServiceConfiguration("outbound")) builder.UseSetting(key, value);
            builder.UseSetting("AltaBots:BaseUrl", AltaBots.BaseUrl.ToString());
            builder.UseSetting("AltaBots:ApiKey", "fuzz-api-key");
            builder.UseSetting("Auth:SigningKey", DevToken.TestSigningKey);
        }));
        Gateway = Listening(GatewayHost.Start(ServiceConfiguration("gateway").Concat(new Dictionary<string, string?>
        {
            ["Gateway:Webhooks:Secrets:0"] = WebhookSecret,
            ["Gateway:Webhooks:AllowUnauthenticated"] = "false",
            // High enough not to hide what the fuzzer finds behind 429s.
            ["Gateway:RateLimits:Api:PermitLimit"] = "1000000",
            ["ReverseProxy:Clusters:conversations:Destinations:primary:Address"] = Address(Conversations).ToString(),
            ["ReverseProxy:Clusters:outbound:Destinations:primary:Address"] = Address(Outbound).ToString(),
        })));
        GatewayAddress = Address(Gateway);

        using var webhooks = Client();
        (await webhooks.PostJsonAsync($"/hooks/{WebhookSecret}/conversation/establish", Establish(Existing))).EnsureSuccessStatusCode();
        await SettledStoreAsync();
    }

    /// <summary>
    /// What the store holds once <see cref="Existing"/> has settled: every message sent to AltaBots for it delivered, and
    /// that reported back, so nothing still under way changes the store while the fuzzers count on it staying put.
    /// </summary>
    public async Task<Store> SettledStoreAsync()
    {
        using var supervisor = Supervisor();
        await Eventually.True(async () =>
        {
            var view = await supervisor.GetAsync($"/api/conversations/{Existing}");
            if (!view.IsSuccessStatusCode) return false;
            var sent = (await view.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transcript").EnumerateArray()
                .Where(e => e.GetProperty("author").GetString() is "system" or "agent").ToList();
            return sent.Count > 0 && sent.All(e => e.GetProperty("delivery").GetProperty("state").GetString() == "delivered");
        }, TimeSpan.FromSeconds(30), "the conversation exists and what was sent for it is delivered");
        return await StoreAsync();
    }

    /// <summary>A client of the Gateway, its port; a hang fails the test instead of stalling it.</summary>
    public HttpClient Client() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(10) };

    public HttpClient Supervisor()
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("fuzz-supervisor"));
        return client;
    }

    /// <summary>What the store holds: Conversations' events, and Outbound's deliveries with every change to them.</summary>
    public sealed record Store(long Events, long Deliveries, long Revisions);

    public async Task<Store> StoreAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var events = new NpgsqlCommand($"select count(*) from \"{Schema("conversations")}\".mt_events", connection);
        await using var deliveries = new NpgsqlCommand($"select count(*), coalesce(sum(revision), 0) from \"{Schema("outbound")}\".deliveries", connection);
        var eventCount = (long)(await events.ExecuteScalarAsync())!;
        await using var reader = await deliveries.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Store(eventCount, reader.GetInt64(0), reader.GetInt64(1));
    }

    private static WebApplicationFactory<T> Listening<T>(WebApplicationFactory<T> factory) where T : class
    {
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return factory;
    }

    private static Uri Address<T>(WebApplicationFactory<T> factory) where T : class =>
        new(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public override async Task DisposeAsync()
    {
        // Any may be missing when set-up failed half way.
        if (Gateway is not null) await Gateway.DisposeAsync();
        if (Outbound is not null) await Outbound.DisposeAsync();
        if (Conversations is not null) await Conversations.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
