using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// A stand-in for AltaBots' two receiving endpoints, for trying the whole loop locally.
// It records what Handoff delivers and shows it at GET / (HTML) and GET /received (JSON).
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
var received = new ConcurrentQueue<Received>();
var apiKey = app.Configuration["AltaBots:ApiKey"];

app.MapPost("/v1/human/message/receive", (HttpRequest request, JsonObject body) => Record("message", request, body));
app.MapPost("/v1/human/close", (HttpRequest request, JsonObject body) => Record("close", request, body));
app.MapGet("/received", () => received.ToArray());
app.MapGet("/", () => Results.Content(Page(received.ToArray()), "text/html; charset=utf-8"));

app.Run();

IResult Record(string kind, HttpRequest request, JsonObject body)
{
    var authorization = request.Headers.Authorization.ToString();
    // Like the real platform, a call without the right key is refused; with no key configured, any bearer passes.
    if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) ||
        (!string.IsNullOrEmpty(apiKey) && authorization != $"Bearer {apiKey}"))
        return Results.Json(new { code = 401, message = "invalid api key" }, statusCode: 401);

    var entry = new Received(kind, DateTimeOffset.UtcNow, body["conversation_id"]?.ToString(),
        request.Headers["Idempotency-Key"].ToString(), body);
    received.Enqueue(entry);
    app.Logger.LogInformation("Received {Kind} for {ConversationId}", kind, entry.ConversationId);
    return Results.Json(new { code = 200, message = "success" });
}

static string Page(Received[] items)
{
    var html = new StringBuilder("""
        <!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
        <title>AltaBots sandbox</title>
        <style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}</style>
        </head><body><h1>AltaBots sandbox</h1><p>What Handoff delivered to this stand-in for AltaBots, newest first.</p>
        <table><tr><th>received</th><th>endpoint</th><th>conversation</th><th>body</th></tr>
        """);
    foreach (var item in items.Reverse())
        html.Append($"<tr><td>{item.At:HH:mm:ss.fff}</td><td>{item.Kind}</td><td>{WebUtility.HtmlEncode(item.ConversationId)}</td>" +
                    $"<td><code>{WebUtility.HtmlEncode(item.Body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }))}</code></td></tr>");
    return html.Append("</table></body></html>").ToString();
}

record Received(string Kind, DateTimeOffset At, string? ConversationId, string IdempotencyKey, JsonObject Body);
