using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Outbound.Operations;
using Handoff.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Outbound.Tests;

/// <summary>What the operator API calls on the delivery store, and what it answers: an in-memory stand-in.</summary>
public sealed class FakeDeliveryOperations : IDeliveryOperations
{
    private readonly List<object> calls = [];

    public List<DeliveryRecord> Records { get; } = [];
    public ReplayOutcome ReplayOutcome { get; set; } = ReplayOutcome.Replayed;
    public int ReplayedSince { get; set; }

    public sealed record ListCall(DeliveryStatus Status, DateTimeOffset? Since, int Offset, int Limit);
    public sealed record ReplayCall(Guid Id, string OperatorId);
    public sealed record ReplaySinceCall(DateTimeOffset Since, string OperatorId);

    public IReadOnlyList<object> Calls { get { lock (calls) return calls.ToArray(); } }

    private void Saw(object call) { lock (calls) calls.Add(call); }

    public Task<IReadOnlyList<DeliveryRecord>> List(DeliveryStatus status, DateTimeOffset? since, int offset, int limit, CancellationToken ct)
    {
        Saw(new ListCall(status, since, offset, limit));
        return Task.FromResult<IReadOnlyList<DeliveryRecord>>(Records.Where(r => r.Status == status).Skip(offset).Take(limit).ToList());
    }

    public Task<DeliveryRecord?> Get(Guid id, CancellationToken ct) => Task.FromResult(Records.FirstOrDefault(r => r.Id == id));

    public Task<ReplayOutcome> Replay(Guid id, string operatorId, CancellationToken ct)
    {
        Saw(new ReplayCall(id, operatorId));
        return Task.FromResult(ReplayOutcome);
    }

    public Task<int> ReplayFailedSince(DateTimeOffset since, string operatorId, CancellationToken ct)
    {
        Saw(new ReplaySinceCall(since, operatorId));
        return Task.FromResult(ReplayedSince);
    }
}

/// <summary>
/// The operator API alone (AddDeliveriesApi and MapDeliveriesApi in a bare host, the store replaced by a fake): who may
/// call it, how parameters are read, and what comes back.
/// </summary>
public sealed class DeliveriesApiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 25, 9, 30, 0, TimeSpan.Zero);
    private readonly FakeDeliveryOperations store = new();
    private WebApplication host = null!;

    public async Task InitializeAsync() => host = await StartAsync(store, ("Auth:SigningKey", DevToken.TestSigningKey));

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static async Task<WebApplication> StartAsync(IDeliveryOperations store, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddDeliveriesApi();
        builder.Services.AddSingleton(store);
        var app = builder.Build();
        app.MapDeliveriesApi();
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private HttpClient Client(string? token)
    {
        var client = host.GetTestClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private HttpClient Supervisor(string id = "sam") => Client(DevToken.Create(id));

    private static DeliveryRecord Delivery(DeliveryStatus status, Guid? id = null) => new(
        id ?? Guid.NewGuid(), "67d8db020fa31d1ef64f53dg", DeliveryKind.Message, 2, 7, status, 6,
        T0, null, null, status == DeliveryStatus.Failed ? T0.AddMinutes(1) : null, 503, "AltaBots answered 503");

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_call_without_a_valid_token_is_refused_401_in_the_api_shape()
    {
        var id = Guid.NewGuid();
        var tokens = new[] { null, "not-a-jwt", DevToken.Create("sam", signingKey: new string('x', 48)), DevToken.Create("sam", lifetime: TimeSpan.FromHours(-1)) };

        foreach (var token in tokens)
        {
            await AssertError(await Client(token).GetAsync("/api/deliveries"), HttpStatusCode.Unauthorized, "unauthorized");
            await AssertError(await Client(token).PostAsync($"/api/deliveries/{id}/replay", null), HttpStatusCode.Unauthorized, "unauthorized");
        }
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task An_agent_or_a_roleless_token_is_refused_403_and_nothing_is_replayed()
    {
        foreach (var client in new[] { Client(DevToken.Create("alice", role: DevToken.Agent, bots: ["bot-1"])), Client(DevToken.Create("eve", role: null)) })
        {
            await AssertError(await client.GetAsync("/api/deliveries"), HttpStatusCode.Forbidden, "forbidden");
            await AssertError(await client.PostAsync($"/api/deliveries/{Guid.NewGuid()}/replay", null), HttpStatusCode.Forbidden, "forbidden");
            await AssertError(await client.PostAsync($"/api/deliveries/replay?since={T0:O}", null), HttpStatusCode.Forbidden, "forbidden");
        }
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task A_supervisor_lists_failed_deliveries_by_default_in_camel_case_with_enums_as_words()
    {
        var failed = Delivery(DeliveryStatus.Failed);
        store.Records.AddRange([failed, Delivery(DeliveryStatus.Pending)]);

        var body = await Supervisor().GetFromJsonAsync<JsonElement>("/api/deliveries");

        Assert.Equal(new FakeDeliveryOperations.ListCall(DeliveryStatus.Failed, null, 0, DeliveriesApi.DefaultLimit), Assert.Single(store.Calls));
        Assert.Equal(["items"], body.EnumerateObject().Select(p => p.Name));
        var item = Assert.Single(body.GetProperty("items").EnumerateArray().ToList());
        Assert.Equal(
            ["id", "conversationId", "kind", "session", "sequence", "status", "attempts", "queuedAt", "nextAttemptAt", "deliveredAt", "failedAt", "lastStatusCode", "failure"],
            item.EnumerateObject().Select(p => p.Name));
        Assert.Equal(failed.Id, item.GetProperty("id").GetGuid());
        Assert.Equal("message", item.GetProperty("kind").GetString());
        Assert.Equal("failed", item.GetProperty("status").GetString());
        Assert.Equal(T0.AddMinutes(1), item.GetProperty("failedAt").GetDateTimeOffset());
        Assert.Equal(503, item.GetProperty("lastStatusCode").GetInt32());
    }

    [Theory]
    [InlineData("?status=pending&offset=10&limit=500", DeliveryStatus.Pending, null, 10, 500)]
    [InlineData("?status=Delivered&limit=1", DeliveryStatus.Delivered, null, 0, 1)]
    [InlineData("?status=failed&since=2025-11-25T10:30:00%2B01:00", DeliveryStatus.Failed, "2025-11-25T09:30:00Z", 0, 100)]
    [InlineData("?since=2025-11-25T09:30Z&offset=0", DeliveryStatus.Failed, "2025-11-25T09:30:00Z", 0, 100)]
    [InlineData("?since=2025-11-25T09:30:00.1234567-05:00", DeliveryStatus.Failed, "2025-11-25T14:30:00.1234567Z", 0, 100)]
    [InlineData("?status=&offset=&limit=", DeliveryStatus.Failed, null, 0, 100)]
    public async Task The_query_reaches_the_store_as_given(string query, DeliveryStatus status, string? since, int offset, int limit)
    {
        var response = await Supervisor().GetAsync("/api/deliveries" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = new FakeDeliveryOperations.ListCall(status, since is null ? null : DateTimeOffset.Parse(since), offset, limit);
        Assert.Equal(expected, Assert.Single(store.Calls));
    }

    [Theory]
    [InlineData("?status=dead", "invalid_status")]
    [InlineData("?status=2", "invalid_status")]
    [InlineData("?status=failed,pending", "invalid_status")]
    [InlineData("?limit=0", "invalid_limit")]
    [InlineData("?limit=501", "invalid_limit")]
    [InlineData("?limit=ten", "invalid_limit")]
    [InlineData("?limit=99999999999", "invalid_limit")]
    [InlineData("?offset=-1", "invalid_offset")]
    [InlineData("?offset=1.5", "invalid_offset")]
    [InlineData("?offset=%201", "invalid_offset")]
    [InlineData("?since=yesterday", "invalid_since")]
    [InlineData("?since=2025-11-25", "invalid_since")]
    [InlineData("?since=2025-11-25T09:30:00", "invalid_since")] // no offset: whose 09:30?
    [InlineData("?since=2025-11-25T09:30:00+01:00", "invalid_since")] // an unencoded + arrives as a space
    [InlineData("?since=2025-13-25T09:30:00Z", "invalid_since")]
    [InlineData("?status=pending&since=2025-11-25T09:30:00Z", "invalid_since")] // only failures have a time to filter by
    public async Task A_bad_query_value_is_a_400_naming_the_parameter(string query, string code)
    {
        await AssertError(await Supervisor().GetAsync("/api/deliveries" + query), HttpStatusCode.BadRequest, code);
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task A_delivery_is_read_by_id_and_an_unknown_or_malformed_id_is_404()
    {
        var known = Delivery(DeliveryStatus.Delivered);
        store.Records.Add(known);
        var client = Supervisor();

        var found = await client.GetFromJsonAsync<JsonElement>($"/api/deliveries/{known.Id}");

        Assert.Equal(known.Id, found.GetProperty("id").GetGuid());
        Assert.Equal("delivered", found.GetProperty("status").GetString());
        Assert.Equal(known.ConversationId, found.GetProperty("conversationId").GetString());
        await AssertError(await client.GetAsync($"/api/deliveries/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "delivery_not_found");
        await AssertError(await client.GetAsync("/api/deliveries/not-a-guid"), HttpStatusCode.NotFound, "delivery_not_found");
    }

    [Fact]
    public async Task Replaying_a_failed_delivery_is_accepted_in_the_name_of_the_supervisor_who_asked()
    {
        var id = Guid.NewGuid();

        var response = await Supervisor("sam").PostAsync($"/api/deliveries/{id}/replay", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"replayed":1}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(new FakeDeliveryOperations.ReplayCall(id, "sam"), Assert.Single(store.Calls));
    }

    [Theory]
    [InlineData(ReplayOutcome.NotFound, HttpStatusCode.NotFound, "delivery_not_found")]
    [InlineData(ReplayOutcome.NotFailed, HttpStatusCode.Conflict, "delivery_not_failed")]
    public async Task A_replay_the_store_refuses_is_answered_with_its_reason(ReplayOutcome outcome, HttpStatusCode status, string code)
    {
        store.ReplayOutcome = outcome;

        await AssertError(await Supervisor().PostAsync($"/api/deliveries/{Guid.NewGuid()}/replay", null), status, code);
    }

    [Fact]
    public async Task Replaying_a_malformed_id_is_404_and_reaches_no_store()
    {
        await AssertError(await Supervisor().PostAsync("/api/deliveries/42/replay", null), HttpStatusCode.NotFound, "delivery_not_found");
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task Replaying_everything_failed_since_a_time_answers_how_many()
    {
        store.ReplayedSince = 3;

        var response = await Supervisor("sam").PostAsync("/api/deliveries/replay?since=2025-11-25T09:30:00Z", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(new FakeDeliveryOperations.ReplaySinceCall(T0, "sam"), Assert.Single(store.Calls));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?since=")]
    [InlineData("?since=last-week")]
    [InlineData("?from=2025-11-25T09:30:00Z")]
    public async Task Replaying_since_needs_a_well_formed_since(string query)
    {
        await AssertError(await Supervisor().PostAsync("/api/deliveries/replay" + query, null), HttpStatusCode.BadRequest, "invalid_since");
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task Unknown_paths_and_methods_answer_in_the_api_shape()
    {
        var client = Supervisor();

        await AssertError(await client.DeleteAsync($"/api/deliveries/{Guid.NewGuid()}"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await AssertError(await client.GetAsync($"/api/deliveries/{Guid.NewGuid()}/replay"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await AssertError(await client.GetAsync("/api/deliveries/a/b/c"), HttpStatusCode.NotFound, "not_found");
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task The_openapi_document_is_served_without_a_token_under_the_proxied_path()
    {
        var document = await Client(null).GetFromJsonAsync<JsonElement>("/api/deliveries/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/deliveries/{id}/replay", paths);
        Assert.Contains("/api/deliveries/replay", paths);
        Assert.False(document.TryGetProperty("servers", out var servers) && servers.GetArrayLength() > 0);
    }

    [Fact]
    public async Task Without_any_auth_configured_the_api_starts_and_refuses_every_token()
    {
        await using var unconfigured = await StartAsync(store);
        var client = unconfigured.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("sam"));

        await AssertError(await client.GetAsync("/api/deliveries"), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task A_signing_key_that_is_given_but_too_short_stops_the_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(store, ("Auth:SigningKey", "too-short")));

        Assert.Contains("Auth:SigningKey must be at least 32 characters", error.ToString());
    }
}

/// <summary>Outbound's own Program serves the operator API: the two lines that wire it are in place.</summary>
[Collection(nameof(Program))]
public sealed class DeliveriesApiWiringTests(IsolatedEnvironment environment) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task Outbound_serves_the_operator_api_to_supervisors_only()
    {
        var store = new FakeDeliveryOperations();
        await using var outbound = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in environment.ServiceConfiguration("outbound")) builder.UseSetting(key, value);
            builder.UseSetting("AltaBots:BaseUrl", "http://127.0.0.1:1/");
            builder.UseSetting("AltaBots:ApiKey", "unused");
            builder.UseSetting("Auth:SigningKey", DevToken.TestSigningKey);
            builder.ConfigureTestServices(s => s.AddSingleton<IDeliveryOperations>(store));
        });
        HttpClient As(string token)
        {
            var client = outbound.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        var supervisor = await As(DevToken.Create("sam")).GetAsync("/api/deliveries?status=pending");
        var agent = await As(DevToken.Create("alice", role: DevToken.Agent)).GetAsync("/api/deliveries");

        Assert.Equal(HttpStatusCode.OK, supervisor.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Equal(new FakeDeliveryOperations.ListCall(DeliveryStatus.Pending, null, 0, DeliveriesApi.DefaultLimit), Assert.Single(store.Calls));
    }
}
