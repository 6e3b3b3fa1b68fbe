using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Handoff.Testing;

namespace Handoff.EndToEnd.Tests;

/// <summary>The whole system exporting to a fake OTLP receiver, in a vhost and schemas of its own.</summary>
public sealed class TracedSystem : ObservedSystem;

/// <summary>
/// A turn, traced as an SRE would look at it: each request starts a trace (here with a traceparent the test chose) and
/// every hop it causes, through the broker, the event store's subscriptions and Outbound's queue, joins that trace.
/// </summary>
public sealed class TracingTests(TracedSystem system) : IClassFixture<TracedSystem>
{
    private static readonly string Hooks = $"/hooks/{ObservedSystem.WebhookSecret}";

    private static (string TraceId, string TraceParent) NewTrace()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        return (traceId, $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
    }

    private async Task<List<ExportedSpan>> SpansOf(string traceId, Func<List<ExportedSpan>, bool> complete, string because)
    {
        try
        {
            return await Eventually.Get(() =>
            {
                // Services export in batches of their own, so a child can arrive before its parent: wait for a connected trace.
                var spans = system.Otlp.Spans().Where(s => s.TraceId == traceId).ToList();
                return Task.FromResult(complete(spans) && Roots(spans).Count == 1 ? spans : null);
            }, TimeSpan.FromSeconds(45), because);
        }
        catch (TimeoutException e)
        {
            var seen = system.Otlp.Spans().Where(s => s.TraceId == traceId).Select(s => $"{s.Service} '{s.Name}'").Distinct();
            throw new TimeoutException($"{e.Message}; the trace has: {string.Join(", ", seen)}", e);
        }
    }

    /// <summary>The spans whose parent is not in the trace.</summary>
    private static List<ExportedSpan> Roots(List<ExportedSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        return spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).ToList();
    }

    private static void InCausalOrder(List<ExportedSpan> spans)
    {
        // Every span whose parent is in the trace starts no earlier than it (one machine, one clock).
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        Assert.All(spans.Where(s => s.ParentSpanId is { } parent && byId.ContainsKey(parent)),
            s => Assert.True(s.StartNanos >= byId[s.ParentSpanId!].StartNanos, $"{s.Service} '{s.Name}' started before its parent"));
        // And the trace is connected: one root, the request the test sent (its parent span is the test's, not exported).
        var roots = Roots(spans);
        Assert.True(roots.Count == 1, $"the trace has {roots.Count} roots: {string.Join(", ", roots.Select(s => $"{s.Service} '{s.Name}'"))}");
    }

    [Fact]
    public async Task A_chat_webhook_and_the_agent_reply_to_it_each_give_one_connected_trace_across_the_services()
    {
        var conversationId = "traced-" + Guid.NewGuid().ToString("N")[..16];
        await system.Webhook($"{Hooks}/human/service/conversation/establish", ReferenceExample.Establish.Replace(ReferenceExample.ConversationId, conversationId));

        // The user's message: Gateway → broker → Conversations → Marten.
        var (chatTrace, chatParent) = NewTrace();
        using (var chat = new HttpRequestMessage(HttpMethod.Post, $"{Hooks}/chat")
        {
            Content = new StringContent($$"""{"conversation_id":"{{conversationId}}","timestamp":1742265190895,"body":"where is my parcel?"}""",
                Encoding.UTF8, "application/json"),
        })
        {
            chat.Headers.Add("traceparent", chatParent);
            (await system.Gateway.SendAsync(chat)).EnsureSuccessStatusCode();
        }
        var chatSpans = await SpansOf(chatTrace, spans =>
            spans.Any(s => s.Service == "handoff-gateway") && spans.Any(s => s.Service == "handoff-conversations" && s.Name.Contains("publish UserMessageReceived")),
            "the chat's spans in the gateway and in conversations, up to the event's publish");
        // Conversations' consume of the command is a child of the Gateway's send: the broker hop is in the trace.
        var gatewaySpans = chatSpans.Where(s => s.Service == "handoff-gateway").Select(s => s.SpanId).ToHashSet();
        Assert.Contains(chatSpans, s => s.Service == "handoff-conversations" && s.ParentSpanId is { } parent && gatewaySpans.Contains(parent));
        InCausalOrder(chatSpans);

        // The agent's reply: API → append → subscription → broker → Outbound → AltaBots, and the delivery report back.
        var (replyTrace, replyParent) = NewTrace();
        using (var reply = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{conversationId}/messages")
        {
            Content = JsonContent.Create(new { text = "It left the depot this morning." }),
        })
        {
            reply.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevToken.Create("agent-7"));
            reply.Headers.Add("traceparent", replyParent);
            (await system.Gateway.SendAsync(reply)).EnsureSuccessStatusCode();
        }
        var replySpans = await SpansOf(replyTrace, spans =>
            spans.Any(s => s.Name == "deliver") && spans.Any(s => s.Service == "handoff-conversations" && s.Name.StartsWith("conversations-delivery-status")),
            "the reply's spans from the API call to the delivery report back in conversations");

        // Timeouts joins too: the reply re-arms the conversation's idle timer.
        Assert.Equal(["handoff-conversations", "handoff-gateway", "handoff-outbound", "handoff-timeouts"], replySpans.Select(s => s.Service).Distinct().Order());
        var deliver = Assert.Single(replySpans, s => s.Name == "deliver");
        Assert.Contains(replySpans, s => s.Service == "handoff-outbound" && s.ParentSpanId == deliver.SpanId);
        Assert.Contains(replySpans, s => s.Service == "handoff-conversations" && s.Name == "publish AgentReplied");
        var outboundRoots = replySpans.Where(s => s.Service == "handoff-outbound").ToList();
        Assert.Contains(outboundRoots, s => s.ParentSpanId is { } parent && replySpans.Any(p => p.SpanId == parent && p.Service == "handoff-conversations"));
        InCausalOrder(replySpans);
    }
}
