using Handoff.Outbound.Deliveries;

namespace Handoff.Outbound.Tests;

public sealed class DeliveryLanesTests
{
    [Fact]
    public void A_conversation_has_the_same_lane_in_every_process()
    {
        // Fixed expectations: a hash that changed between processes (string.GetHashCode) would split a conversation
        // across lanes when two replicas route it.
        Assert.Equal(new[] { 4, 4, 7 }, new[] { "67d8db020fa31d1ef64f53dg", "a", "conversation-42" }.Select(DeliveryLanes.For));
    }

    [Fact]
    public void Conversations_spread_over_every_lane()
    {
        var lanes = Enumerable.Range(0, 1000).Select(i => DeliveryLanes.For($"conversation-{i}")).ToList();

        Assert.All(Enumerable.Range(0, DeliveryLanes.Count), lane => Assert.InRange(lanes.Count(l => l == lane), 60, 190));
    }
}
