using System.Net;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.EndToEnd.Tests;

/// <summary>No idle close and no waiting notice while the operator works: after the greeting, the reply is the conversation's only message.</summary>
public sealed class OperatedSystem : HandoffSystem
{
    public override TimeSpan IdleTimeout => TimeSpan.FromMinutes(5);
}

public class DeadLetterReplayTests(OperatedSystem system, ITestOutputHelper output) : IClassFixture<OperatedSystem>
{
    private const string ConversationId = ReferenceExample.ConversationId;
    private const string Reply = "Your refund was approved this morning.";
    private static readonly string Agent = DevToken.Create("alice", role: DevToken.Agent, bots: [ReferenceExample.BotId]);
    private static readonly string Supervisor = DevToken.Create("sam");

    [Fact]
    public async Task A_reply_AltaBots_refuses_shows_failed_and_once_an_operator_replays_it_is_delivered_once()
    {
        await system.PrintingLogsOnFailure(output, Run);
    }

    private async Task Run()
    {
        await system.EstablishReferenceExample();

        // AltaBots refuses the reply for good (a 4xx other than 408 and 429): no retry, a dead letter at once.
        var (sequence, refused) = await system.ReplyRefusedOnce(Agent, Reply, 400);
        var deliveryId = refused.IdempotencyKey!;

        // The agent sees that it failed, and AltaBots' answer, in the transcript.
        var failed = await system.DeliveryShown(ConversationId, sequence, "failed", Agent);
        Assert.Equal(400, (int?)failed["statusCode"]);
        Assert.Equal(1, (int?)failed["attempts"]);
        Assert.False(string.IsNullOrEmpty((string?)failed["failure"]), "the transcript says why it failed");

        // A supervisor finds it among the dead letters through the Gateway; an agent may not look.
        await system.Api(HttpMethod.Get, "/api/deliveries?status=failed", Agent, expected: HttpStatusCode.Forbidden);
        var deadLetter = Assert.Single(await FailedDeliveries(), d => (string?)d["id"] == deliveryId);
        Assert.Equal(ConversationId, (string?)deadLetter["conversationId"]);
        Assert.Equal("message", (string?)deadLetter["kind"]);
        Assert.Equal(sequence, (long?)deadLetter["sequence"]);
        Assert.Equal(400, (int?)deadLetter["lastStatusCode"]);

        var replay = await system.Api(HttpMethod.Post, $"/api/deliveries/{deliveryId}/replay", Supervisor, expected: HttpStatusCode.Accepted);
        Assert.Equal(1, (int?)replay["replayed"]);

        // Shown delivered means Outbound recorded AltaBots' 200: it never sends that message again.
        var delivered = await system.DeliveryShown(ConversationId, sequence, "delivered", Agent);
        Assert.Equal(200, (int?)delivered["statusCode"]);
        var attempts = system.AltaBots.Calls(ConversationId).Where(c => c.Text == Reply).ToList();
        Assert.Equal([(400, deliveryId), (200, deliveryId)], attempts.Select(c => (c.Status, c.IdempotencyKey)));
        Assert.Equal(refused.Body.GetRawText(), attempts[1].Body.GetRawText());
        Assert.DoesNotContain(await FailedDeliveries(), d => (string?)d["id"] == deliveryId);
    }

    private async Task<List<JsonNode>> FailedDeliveries() =>
        (await system.Api(HttpMethod.Get, "/api/deliveries?status=failed", Supervisor))["items"]!.AsArray().Select(d => d!).ToList();
}
