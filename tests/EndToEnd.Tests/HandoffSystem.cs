using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>
/// All four services as processes on the real RabbitMQ and PostgreSQL, with a fake AltaBots.
/// Derive from it to change settings (<see cref="Settings"/>) or run several replicas of the back-end
/// services (<see cref="Replicas"/>); each derived fixture gets its own vhost and schemas.
/// </summary>
public class HandoffSystem : IsolatedEnvironment
{
    public const string ApiKey = "e2e-api-key";
    public const string Greeting = "Hello! Someone from our team will be with you shortly.";

    private readonly List<ServiceProcess> services = [];

    public FakeAltaBots AltaBots { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Services { get { lock (services) return services.ToArray(); } }

    /// <summary>
    /// How long a conversation may stay quiet before Timeouts closes it. Tests that wait for an idle close wait this long;
    /// tests that must not see one need each of their steps to take less: on this shared machine, under load, a greeting
    /// has taken over 4 s to reach AltaBots.
    /// </summary>
    public virtual TimeSpan IdleTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Instances of each of Conversations, Outbound and Timeouts; the Gateway runs once.</summary>
    protected virtual int Replicas => 1;

    /// <summary>Extra settings per service (service name as in services/, key in environment style).</summary>
    protected virtual IEnumerable<(string Service, string Key, string Value)> Settings => [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AltaBots = await FakeAltaBots.StartAsync();

        var backEnd = Enumerable.Range(0, Replicas).SelectMany(_ => new[]
        {
            Start("Conversations", ("Auth__SigningKey", DevToken.TestSigningKey), ("Handoff__Greeting", Greeting)),
            Start("Outbound", ("AltaBots__BaseUrl", AltaBots.BaseUrl.ToString()), ("AltaBots__ApiKey", ApiKey),
                ("Auth__SigningKey", DevToken.TestSigningKey),
                // Retries within a test's patience; a derived fixture's Settings override these.
                ("Outbound__RetrySchedule", "300ms 600ms 1s"), ("Outbound__PollInterval", "00:00:00.100")),
            Start("Timeouts", ("Handoff__IdleTimeout", IdleTimeout.ToString())),
        });
        var started = await Task.WhenAll(backEnd);
        var gateway = await Start("Gateway",
            Destinations("conversations", started.Where(s => s.Name == "Conversations"))
                .Concat(Destinations("outbound", started.Where(s => s.Name == "Outbound")))
                .Append(("Gateway__Webhooks__AllowUnauthenticated", "true")).ToArray());
        Gateway = new HttpClient { BaseAddress = gateway.Url };
    }

    /// <summary>The Gateway's YARP destinations of one cluster, one per replica (in Kubernetes, one Service stands for them all).</summary>
    private static IEnumerable<(string, string)> Destinations(string cluster, IEnumerable<ServiceProcess> replicas) =>
        replicas.Select((s, i) => ($"ReverseProxy__Clusters__{cluster}__Destinations__{(i == 0 ? "primary" : $"replica{i}")}__Address", s.Url.ToString()));

    private async Task<ServiceProcess> Start(string name, params (string Key, string Value)[] settings)
    {
        var environment = ServiceEnvironment(name.ToLowerInvariant());
        // This PostgreSQL (max_connections 100) serves every test suite on the machine at once: each pool gives back
        // idle connections after 10 s rather than 5 min, and the application name tells whose they are.
        environment["ConnectionStrings__Postgres"] =
            $"{PostgresConnectionString};Maximum Pool Size=20;Connection Idle Lifetime=10;Application Name=e2e-{name}-{Id}";
        foreach (var (key, value) in settings) environment[key] = value;
        foreach (var (_, key, value) in Settings.Where(s => s.Service == name)) environment[key] = value;
        var service = await ServiceProcess.StartAsync(name, environment);
        lock (services) services.Add(service);
        return service;
    }

    /// <summary>
    /// Starts a service that was killed or stopped again, with the same settings and on the same address (the Gateway's
    /// destinations still name it), as a restarted pod behind its Kubernetes Service would be.
    /// </summary>
    public async Task<ServiceProcess> Restart(ServiceProcess stopped)
    {
        if (!stopped.HasExited) throw new InvalidOperationException($"{stopped.Name} at {stopped.Url} is still running");
        var service = await ServiceProcess.StartAsync(stopped.Name, new Dictionary<string, string>(stopped.Environment), stopped.Url);
        lock (services) services.Add(service);
        return service;
    }

    /// <summary>Posts a webhook to the Gateway as AltaBots does, and asserts it was taken.</summary>
    public async Task Webhook(string path, string json)
    {
        var response = await Gateway.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>The reference page's establish example, through the Gateway, once AltaBots has its greeting.</summary>
    public async Task EstablishReferenceExample()
    {
        await Webhook("/human/service/conversation/establish", ReferenceExample.Establish);
        await Eventually.True(() => AltaBots.Accepted(ReferenceExample.ConversationId).Count == 1, TimeSpan.FromSeconds(20),
            "AltaBots receives the greeting");
    }

    /// <summary>
    /// An agent's reply in the reference conversation whose first attempt AltaBots answers <paramref name="status"/>: its
    /// transcript sequence and that first attempt as AltaBots saw it.
    /// </summary>
    public async Task<(long Sequence, ReceivedCall FirstAttempt)> ReplyRefusedOnce(string agentToken, string text, int status)
    {
        AltaBots.Refuse(ReferenceExample.ConversationId, status);
        var posted = await Api(HttpMethod.Post, $"/api/conversations/{ReferenceExample.ConversationId}/messages", agentToken, new { text },
            HttpStatusCode.Accepted);
        var first = await Eventually.Get(() => Task.FromResult(AltaBots.Calls(ReferenceExample.ConversationId).FirstOrDefault(c => c.Text == text)),
            TimeSpan.FromSeconds(20), "AltaBots is sent the reply");
        Assert.Equal(status, first.Status);
        return ((long)posted["sequence"]!, first);
    }

    /// <summary>Calls the agent or operator API through the Gateway with <paramref name="token"/>, and asserts the status.</summary>
    public async Task<JsonNode> Api(HttpMethod method, string path, string token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        var response = await Gateway.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>
    /// The <c>delivery</c> of one transcript entry as the agent API shows it, once it reaches <paramref name="state"/>
    /// (Outbound's reports travel to Conversations through the broker, so it shows a little after the fact).
    /// </summary>
    public Task<JsonNode> DeliveryShown(string conversationId, long sequence, string state, string token, TimeSpan? timeout = null) =>
        Eventually.Get(async () =>
        {
            var view = await Api(HttpMethod.Get, $"/api/conversations/{conversationId}", token);
            var entry = view["transcript"]!.AsArray().Single(e => (long)e!["sequence"]! == sequence)!;
            return (string?)entry["delivery"]?["state"] == state ? entry["delivery"] : null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"entry {sequence} of {conversationId} shows its delivery {state}");

    /// <summary>
    /// Waits, once every conversation of a test is closed at AltaBots, long enough for a second close of any of them to
    /// have arrived too, and returns how long that took. A second close would come from a timer armed by activity no later
    /// than the first close, so due within one idle timeout of it. A marker conversation opened now is due after every
    /// such timer, and Timeouts fires due timers earliest first: once AltaBots has the marker's close (a full idle timeout,
    /// a poll and the trip through Conversations and Outbound later), those timers have fired and what they sent has been
    /// decided. Whatever Outbound still had to deliver then is waited for as well. Both are conditions, not sleeps.
    /// </summary>
    public async Task<TimeSpan> SettleAfterCloses()
    {
        var started = DateTimeOffset.UtcNow;
        var marker = $"marker{Guid.NewGuid():N}"[..24];
        await Webhook("/conversation/establish", JsonSerializer.Serialize(new
        {
            conversation_id = marker,
            timestamp = started.ToUnixTimeMilliseconds(),
            bot_id = "bot-marker",
            body = new[] { new { text = "human service", message_type = "QUESTION" } },
            user_info = new { user_id = "marker" },
        }));
        await Eventually.True(() => AltaBots.Calls(marker).Any(c => c.Endpoint == "/v1/human/close"), IdleTimeout + TimeSpan.FromSeconds(30),
            "a marker conversation opened after the last close is closed too");
        var supervisor = DevToken.Create("settle");
        await Eventually.True(async () =>
                (await Api(HttpMethod.Get, "/api/deliveries?status=pending&limit=500", supervisor))["items"]!.AsArray().Count == 0,
            TimeSpan.FromSeconds(30), "Outbound has nothing left to deliver");
        return DateTimeOffset.UtcNow - started;
    }

    /// <summary>Runs <paramref name="test"/>; when it fails, what each service printed goes to the test's output first.</summary>
    public async Task PrintingLogsOnFailure(ITestOutputHelper output, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(Logs());
            throw;
        }
    }

    /// <summary>What each service printed, for a failing test's message.</summary>
    public string Logs() => string.Join("\n", Services.Select(s => $"----- {s.Name} {s.Url}\n{s.Output}"));

    public override async Task DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var service in Services) await service.DisposeAsync();
        if (AltaBots is not null) await AltaBots.DisposeAsync();
        await base.DisposeAsync();
    }
}
