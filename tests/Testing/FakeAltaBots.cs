using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Testing;

/// <summary>One request as AltaBots saw it, with the status it was answered.</summary>
public sealed record ReceivedCall(
    string Path, string? Authorization, string? IdempotencyKey, JsonElement Body, int Status, DateTimeOffset StartedAt, DateTimeOffset At)
{
    public string ConversationId => Body.GetProperty("conversation_id").GetString()!;
    public bool Accepted => Status is >= 200 and <= 299;
    public string? WebhookId { get; init; }

    /// <summary>The message text; null for a close.</summary>
    public string? Text => Body.TryGetProperty("body", out var text) ? text.GetString() : null;

    /// <summary>The path under AltaBots' base URL, without the regional prefix: <c>/v1/human/message/receive</c> or <c>/v1/human/close</c>.</summary>
    public string Endpoint => Path.StartsWith(FakeAltaBots.Prefix + "/", StringComparison.Ordinal) ? Path[FakeAltaBots.Prefix.Length..] : Path;

    /// <summary>The body's <c>timestamp</c>: when Handoff decided the message or close.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(Body.GetProperty("timestamp").GetInt64());
}

/// <summary>
/// A stand-in for AltaBots' two receiving endpoints on a free local port, under a regional path prefix, recording every
/// call Handoff makes. It answers 200 unless told to refuse.
/// </summary>
public sealed class FakeAltaBots : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _plans = new();
    private readonly ConcurrentDictionary<string, (Random Random, double Probability)> _flaky = new();
    private int _inFlight;
    private int _maxInFlight;
    private volatile bool _down;

    private sealed record Answer(int Status, TimeSpan Delay = default, string? RetryAfter = null);

    private FakeAltaBots(WebApplication app) => _app = app;

    /// <summary>AltaBots' base URLs differ by region; serving under a prefix proves Handoff keeps it.</summary>
    public const string Prefix = "/eu";

    /// <summary>What to configure as <c>AltaBots:BaseUrl</c>, prefix included.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<FakeAltaBots> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAltaBots(app);
        app.MapPost(Prefix + "/{**rest}", fake.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address + Prefix);
        return fake;
    }

    /// <summary>The next attempts for <paramref name="conversationId"/> get these statuses; later ones get 200.</summary>
    public void Refuse(string conversationId, params int[] statuses)
    {
        foreach (var status in statuses) Plan(conversationId).Enqueue(new Answer(status));
    }

    /// <summary>The next attempt for <paramref name="conversationId"/> gets <paramref name="status"/> with this Retry-After header.</summary>
    public void Throttle(string conversationId, int status, string retryAfter) => Plan(conversationId).Enqueue(new Answer(status, RetryAfter: retryAfter));

    /// <summary>The next attempt for <paramref name="conversationId"/> is taken, but answered 200 only after <paramref name="delay"/>.</summary>
    public void AnswerLate(string conversationId, TimeSpan delay) => Plan(conversationId).Enqueue(new Answer(200, delay));

    /// <summary>Unplanned attempts for <paramref name="conversationId"/> get 503 with this probability, from a seeded sequence.</summary>
    public void FailRandomly(string conversationId, double probability, int seed) => _flaky[conversationId] = (new Random(seed), probability);

    /// <summary>While true, every request is answered 503 (an outage), whatever was planned.</summary>
    public bool Down { get => _down; set => _down = value; }

    /// <summary>The most requests this fake was serving at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Every call, answered or refused, in the order they arrived.</summary>
    public IReadOnlyList<ReceivedCall> AllCalls => _calls.ToList();

    public IReadOnlyList<ReceivedCall> Calls(string conversationId) => _calls.Where(c => c.ConversationId == conversationId).ToList();

    public IReadOnlyList<ReceivedCall> Accepted(string conversationId) => Calls(conversationId).Where(c => c.Accepted).ToList();

    private ConcurrentQueue<Answer> Plan(string conversationId) => _plans.GetOrAdd(conversationId, _ => new());

    private async Task Handle(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
                if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max) break;
            await Respond(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task Respond(HttpContext context)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var body = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement.Clone();
        var conversationId = body.GetProperty("conversation_id").GetString()!;
        var answer = Down ? new Answer(503)
            : Plan(conversationId).TryDequeue(out var planned) ? planned
            : _flaky.TryGetValue(conversationId, out var flaky) && Roll(flaky) ? new Answer(503)
            : new Answer(200);
        if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay);
        _calls.Enqueue(new ReceivedCall(context.Request.Path, context.Request.Headers.Authorization.ToString(),
            context.Request.Headers["Idempotency-Key"].ToString(), body, answer.Status, startedAt, DateTimeOffset.UtcNow)
            { WebhookId = context.Request.Headers["webhook-id"].ToString() });
        if (answer.RetryAfter is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter;
        // Unknown fields on purpose: Outbound must read the answer leniently.
        context.Response.StatusCode = answer.Status;
        await context.Response.WriteAsJsonAsync(new { code = answer.Status == 200 ? 0 : answer.Status, message = "fake", trace = Guid.NewGuid() });
    }

    private static bool Roll((Random Random, double Probability) flaky)
    {
        lock (flaky.Random) return flaky.Random.NextDouble() < flaky.Probability;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
