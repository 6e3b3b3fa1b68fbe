using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Outbound.Tests;

/// <summary>One request as AltaBots saw it, with the status it was answered.</summary>
public sealed record ReceivedCall(
    string Path, string? Authorization, string? IdempotencyKey, JsonElement Body, int Status, DateTimeOffset StartedAt, DateTimeOffset At)
{
    public string ConversationId => Body.GetProperty("conversation_id").GetString()!;
    public bool Accepted => Status is >= 200 and <= 299;
}

/// <summary>A stand-in for AltaBots on a free local port, under a regional path prefix, that can be told to refuse.</summary>
public sealed class FakeAltaBots : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, TimeSpan Delay)>> _plans = new();

    private FakeAltaBots(WebApplication app) => _app = app;

    public const string Prefix = "/eu";

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
        foreach (var status in statuses) Plan(conversationId).Enqueue((status, TimeSpan.Zero));
    }

    /// <summary>The next attempt for <paramref name="conversationId"/> is taken, but answered 200 only after <paramref name="delay"/>.</summary>
    public void AnswerLate(string conversationId, TimeSpan delay) => Plan(conversationId).Enqueue((200, delay));

    public IReadOnlyList<ReceivedCall> Calls(string conversationId) => _calls.Where(c => c.ConversationId == conversationId).ToList();

    public IReadOnlyList<ReceivedCall> Accepted(string conversationId) => Calls(conversationId).Where(c => c.Accepted).ToList();

    private ConcurrentQueue<(int, TimeSpan)> Plan(string conversationId) => _plans.GetOrAdd(conversationId, _ => new());

    private async Task Handle(HttpContext context)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var body = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement.Clone();
        var conversationId = body.GetProperty("conversation_id").GetString()!;
        var (status, delay) = Plan(conversationId).TryDequeue(out var planned) ? planned : (200, TimeSpan.Zero);
        if (delay > TimeSpan.Zero) await Task.Delay(delay);
        _calls.Enqueue(new ReceivedCall(context.Request.Path, context.Request.Headers.Authorization.ToString(),
            context.Request.Headers["Idempotency-Key"].ToString(), body, status, startedAt, DateTimeOffset.UtcNow));
        // Unknown fields on purpose: Outbound must read the answer leniently.
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { code = status == 200 ? 0 : status, message = "fake", trace = Guid.NewGuid() });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
