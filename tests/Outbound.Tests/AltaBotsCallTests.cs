using System.Text.Json;
using Handoff.Contracts;
using Handoff.Outbound.AltaBots;

namespace Handoff.Outbound.Tests;

public sealed class AltaBotsCallTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1742265090895);

    [Fact]
    public void A_message_is_posted_to_message_receive_with_unix_milliseconds()
    {
        var call = AltaBotsCall.Message("67d8db020fa31d1ef64f53dg", At, "Hi \"there\"");

        Assert.Equal("v1/human/message/receive", call.Path);
        Assert.Equal("""{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265090895,"body":"Hi \u0022there\u0022"}""",
            JsonSerializer.Serialize(call.Body, call.Body.GetType()));
    }

    [Fact]
    public void Agent_and_idle_closes_are_posted_to_close()
    {
        foreach (var reason in new[] { CloseReason.Agent, CloseReason.Idle })
        {
            var call = AltaBotsCall.Close(new ConversationClosed("c1", 1, reason, At));

            Assert.NotNull(call);
            Assert.Equal("v1/human/close", call.Path);
            Assert.Equal("""{"conversation_id":"c1","timestamp":1742265090895}""", JsonSerializer.Serialize(call.Body, call.Body.GetType()));
        }
    }

    [Fact]
    public void Closes_that_came_from_AltaBots_are_not_posted()
    {
        Assert.Null(AltaBotsCall.Close(new ConversationClosed("c1", 1, CloseReason.UserClosed, At)));
        Assert.Null(AltaBotsCall.Close(new ConversationClosed("c1", 1, CloseReason.PlatformTimeout, At)));
    }
}
