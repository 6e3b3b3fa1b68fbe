using Handoff.Conversations.Conversations;
using Handoff.Conversations.Metrics;

namespace Handoff.Conversations.Tests.Metrics;

public class SupportFloorTests
{
    private const string Id = "c-1";
    private static readonly DateTimeOffset T0 = new(2025, 3, 18, 2, 31, 30, TimeSpan.Zero);
    private static readonly ConversationUser User = new(null, "anon-1", null, null);

    private static HandoffWasRequested Established(int session = 1) => new(Id, session, "bot-1", null, User, [], 1, T0);
    private static UserMessagePosted UserWrote(int session = 1) => new(Id, session, 5, "hello", T0);
    private static AgentReplyPosted AgentReplied(int session = 1) => new(Id, session, 6, "agent-1", "hi", T0);

    /// <summary>Folds the events, each recorded at its offset from T0 in seconds, and returns the last state and every measurement.</summary>
    private static (FloorTimes? State, List<FloorMeasurement> Measured) Run(params (object Event, double At)[] events)
    {
        FloorTimes? state = null;
        var measured = new List<FloorMeasurement>();
        foreach (var (e, at) in events)
        {
            (state, var m) = SupportFloor.Observe(state, Id, e, T0.AddSeconds(at));
            measured.AddRange(m);
        }
        return (state, measured);
    }

    [Fact]
    public void An_establish_counts_a_handoff_for_its_bot_and_starts_waiting()
    {
        var (state, measured) = Run((Established(), 0));

        Assert.Equal([new FloorMeasurement(FloorInstrument.HandoffStarted, "bot-1")], measured);
        Assert.Equal(new FloorTimes(Id, "bot-1", 1, T0), state);
    }

    [Fact]
    public void The_first_agent_reply_ends_the_queue_wait_and_later_ones_do_not_measure_it_again()
    {
        var (_, measured) = Run((Established(), 0), (AgentReplied(), 42), (AgentReplied(), 50));

        Assert.Equal([new FloorMeasurement(FloorInstrument.QueueWait, "bot-1", 42)], measured.Where(m => m.Instrument == FloorInstrument.QueueWait));
        Assert.DoesNotContain(measured, m => m.Instrument == FloorInstrument.AgentResponse);
    }

    [Fact]
    public void The_response_time_runs_from_the_first_unanswered_user_message_to_the_next_agent_reply()
    {
        var (_, measured) = Run((Established(), 0), (UserWrote(), 10), (UserWrote(), 20), (AgentReplied(), 25), (UserWrote(), 30), (AgentReplied(), 33));

        Assert.Equal([15.0, 3.0], measured.Where(m => m.Instrument == FloorInstrument.AgentResponse).Select(m => m.Seconds));
    }

    [Fact]
    public void Assignment_makes_the_handoff_active()
    {
        var (state, measured) = Run((Established(), 0), (new AgentWasAssigned(Id, 1, "agent-1", T0), 5));

        Assert.True(state!.Assigned);
        Assert.Single(measured);
    }

    [Fact]
    public void A_close_counts_its_reason_and_duration_and_forgets_the_session()
    {
        var (state, measured) = Run((Established(), 0), (new ConversationWasClosed(Id, 1, ClosingReason.Idle, T0), 600));

        Assert.Null(state);
        Assert.Equal([new(FloorInstrument.Closed, "bot-1", Reason: "idle"), new(FloorInstrument.Duration, "bot-1", 600, "idle")],
            measured.Skip(1));
    }

    [Fact]
    public void Events_of_another_session_measure_nothing()
    {
        var (state, measured) = Run((Established(2), 0), (AgentReplied(1), 5), (UserWrote(1), 6));

        Assert.Equal(new FloorTimes(Id, "bot-1", 2, T0), state);
        Assert.Single(measured);
    }

    [Fact]
    public void A_close_whose_establish_came_before_the_metrics_is_counted_for_an_unknown_bot()
    {
        var (state, measured) = Run((new ConversationWasClosed(Id, 1, ClosingReason.UserClosed, T0), 0));

        Assert.Null(state);
        Assert.Equal([new FloorMeasurement(FloorInstrument.Closed, SupportFloor.UnknownBot, Reason: "user_closed")], measured);
    }
}
