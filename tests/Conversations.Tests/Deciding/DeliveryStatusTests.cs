using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using static Handoff.Conversations.Tests.Deciding.Scenario;

namespace Handoff.Conversations.Tests.Deciding;

public class DeliveryStatusTests
{
    private static readonly Guid Greeting = Guid.Parse("0196a1f0-0000-7000-8000-000000000001");
    private static readonly Guid Reply = Guid.Parse("0196a1f0-0000-7000-8000-000000000002");

    [Fact]
    public void The_first_report_on_a_delivery_is_recorded_as_reported()
    {
        var report = Report(Greeting, 1, DeliveryState.Retrying, attempts: 2, nextAttemptAt: At(60), statusCode: 503, failure: "AltaBots answered 503");

        var recorded = Assert.IsType<DeliveryStatusRecorded>(Assert.Single(Decide(report, After(Establish(0))).Events));

        Assert.Equal(new DeliveryStatusRecorded(Id, Greeting, 1, 1, 1, DeliveryProgress.Retrying, 2, At(30), At(60), 503, "AltaBots answered 503"), recorded);
    }

    [Fact]
    public void A_higher_revision_of_the_same_delivery_is_recorded()
    {
        var state = After(Establish(0), Report(Greeting, 1, DeliveryState.Retrying));

        var recorded = Assert.IsType<DeliveryStatusRecorded>(Assert.Single(Decide(Report(Greeting, 2, DeliveryState.Delivered, attempts: 2), state).Events));

        Assert.Equal((2, DeliveryProgress.Delivered), (recorded.Revision, recorded.State));
    }

    [Fact]
    public void A_repeated_report_decides_nothing() =>
        Assert.Empty(Decide(Report(Greeting, 2, DeliveryState.Delivered), After(Establish(0), Report(Greeting, 2, DeliveryState.Delivered))).Events);

    [Fact]
    public void A_report_overtaken_by_a_later_revision_decides_nothing()
    {
        var state = After(Establish(0), Report(Greeting, 1, DeliveryState.Pending), Report(Greeting, 3, DeliveryState.Delivered));

        var decision = Decide(Report(Greeting, 2, DeliveryState.Retrying), state);

        Assert.Null(decision.Rejection);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Revisions_are_kept_per_delivery()
    {
        var state = After(Establish(0), new ReplyAsAgent(Id, "agent-1", "Hi"), Report(Greeting, 5, DeliveryState.Delivered));

        Assert.Single(Decide(Report(Reply, 1, DeliveryState.Pending, sequence: 2), state).Events);
    }

    [Fact]
    public void A_report_for_a_conversation_never_recorded_decides_nothing() =>
        Assert.Empty(Decide(Report(Greeting, 1, DeliveryState.Delivered), Conversation.Initial(Id)).Events);

    [Fact]
    public void A_report_on_the_close_is_recorded_without_a_sequence()
    {
        var state = After(Establish(0), new CloseByAgent(Id, "agent-1"));

        var recorded = Assert.IsType<DeliveryStatusRecorded>(Assert.Single(Decide(Report(Reply, 1, DeliveryState.Failed, sequence: null,
            statusCode: 404, failure: "AltaBots does not know the conversation"), state).Events));

        Assert.Null(recorded.Sequence);
        Assert.Equal((DeliveryProgress.Failed, 404, "AltaBots does not know the conversation"), (recorded.State, recorded.StatusCode, recorded.Failure));
    }

    [Fact]
    public void A_report_on_a_closed_session_is_still_recorded() =>
        Assert.Single(Decide(Report(Greeting, 2, DeliveryState.Delivered), After(Establish(0), PlatformClose(10))).Events);

    [Fact]
    public void Recorded_reports_change_nothing_the_timers_or_the_next_message_depend_on()
    {
        var before = After(Establish(0), Chat(5), new ReplyAsAgent(Id, "agent-1", "Hi"), Notice(120, SystemMessageKind.IdleWarning));

        var after = Decide(Report(Reply, 1, DeliveryState.Delivered, sequence: 3), before).Events.Aggregate(before, (s, e) => s.Evolve(e));

        Assert.Equal(before with { DeliveryRevisions = after.DeliveryRevisions }, after);
        Assert.Equal(before.LastActivitySequence, after.LastActivitySequence);
        Assert.Equal(before.LastSequence, after.LastSequence);
        Assert.Same(before.SeenWebhooks, after.SeenWebhooks);
        Assert.Same(before.PostedTimers, after.PostedTimers);
        Assert.Single(Decide(new CloseIdleConversationV2(Id, 1, At(600), before.LastActivitySequence), after).Events);
    }
}
