using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.EndToEnd.Tests;

/// <summary>AltaBots' two receiving endpoints, recording every call Handoff makes.</summary>
public sealed class FakeAltaBots : IAsyncDisposable
{
    public record Call(string Path, string? Authorization, string? IdempotencyKey, JsonObject Body);

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Call> calls = new();

    private FakeAltaBots(WebApplication app) => this.app = app;

    public IReadOnlyList<Call> Calls => calls.ToArray();
    public string BaseUrl => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<FakeAltaBots> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var fake = new FakeAltaBots(builder.Build());
        fake.app.MapPost("/v1/human/{**endpoint}", async (HttpContext http) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            fake.calls.Enqueue(new Call(http.Request.Path, http.Request.Headers.Authorization.ToString(),
                http.Request.Headers["Idempotency-Key"].ToString(), body));
            return Results.Json(new { code = 200, message = "success" });
        });
        await fake.app.StartAsync();
        return fake;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
