using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using Handoff.Conversations.IntegrationEvents;
using static Handoff.Conversations.Tests.Deciding.Scenario;

namespace Handoff.Conversations.Tests.IntegrationEvents;

public class ToContractTests
{
    [Fact]
    public void A_recorded_delivery_report_is_never_published_again()
    {
        var recorded = new DeliveryStatusRecorded(Id, Guid.NewGuid(), 1, 3, 2, DeliveryProgress.Delivered, 1, At(30), null, 200, null);

        Assert.Null(IntegrationEventPublisher.ToContract(recorded, Now));
    }

    [Fact]
    public void An_agent_reply_is_still_published() =>
        Assert.Equal(new AgentReplied(Id, 1, 3, "agent-1", "Hi", Now),
            IntegrationEventPublisher.ToContract(new AgentReplyPosted(Id, 1, 3, "agent-1", "Hi", At(30)), Now));
}
