using Handoff.Contracts;
using Handoff.Conversations.Conversations;
using static Handoff.Conversations.Tests.Deciding.Scenario;

namespace Handoff.Conversations.Tests.Deciding;

public class TimerNoticeTests
{
    [Fact]
    public void A_timer_notice_is_posted_as_a_system_entry_after_the_transcript()
    {
        var state = After(Establish(0), Chat(5));

        var posted = Assert.IsType<SystemMessagePosted>(Assert.Single(Decide(Notice(120), state).Events));

        Assert.Equal(new SystemMessagePosted(Id, 1, state.LastSequence + 1, "Still looking for someone", Now,
            new TimerFiring(TimerKind.AgentWait, At(120))), posted);
    }

    [Fact]
    public void The_same_timer_firing_twice_posts_once() =>
        Assert.Empty(Decide(Notice(120), After(Establish(0), Notice(120))).Events);

    [Fact]
    public void Each_repeat_of_the_agent_wait_timer_is_posted()
    {
        var state = After(Establish(0), Notice(120), Notice(240));

        Assert.Single(Decide(Notice(360), state).Events);
        Assert.Equal(2, state.PostedTimers.Count);
    }

    [Fact]
    public void A_warning_and_an_agent_wait_due_at_the_same_time_are_both_posted() =>
        Assert.Single(Decide(Notice(120, SystemMessageKind.IdleWarning), After(Establish(0), Notice(120))).Events);

    [Fact]
    public void A_notice_due_before_one_already_posted_is_stale() =>
        Assert.Empty(Decide(Notice(240), After(Establish(0), Notice(120), Notice(300, SystemMessageKind.IdleWarning))).Events);

    [Fact]
    public void A_notice_due_after_the_last_one_posted_is_posted() =>
        Assert.Single(Decide(Notice(360), After(Establish(0), Notice(120), Notice(300, SystemMessageKind.IdleWarning))).Events);

    [Fact]
    public void A_notice_for_a_closed_session_decides_nothing() =>
        Assert.Empty(Decide(Notice(120), After(Establish(0), PlatformClose(60))).Events);

    [Fact]
    public void A_notice_for_an_earlier_session_decides_nothing() =>
        Assert.Empty(Decide(Notice(120, session: 1), After(Establish(0), PlatformClose(10), Establish(20))).Events);

    [Fact]
    public void A_notice_for_a_conversation_never_established_decides_nothing() =>
        Assert.Empty(Decide(Notice(120), Conversation.Initial(Id)).Events);

    [Fact]
    public void An_agent_wait_notice_after_an_agent_answered_decides_nothing() =>
        Assert.Empty(Decide(Notice(120), After(Establish(0), new ReplyAsAgent(Id, "agent-1", "Hi!"))).Events);

    [Fact]
    public void An_idle_warning_is_still_posted_after_an_agent_answered() =>
        Assert.Single(Decide(Notice(120, SystemMessageKind.IdleWarning), After(Establish(0), new ReplyAsAgent(Id, "agent-1", "Hi!"))).Events);

    [Fact]
    public void A_new_session_forgets_the_firings_and_the_reply_of_the_last_one()
    {
        var state = After(Establish(0), Notice(120), new ReplyAsAgent(Id, "agent-1", "Hi!"), PlatformClose(200), Establish(300));

        Assert.False(state.AgentHasReplied);
        Assert.Empty(state.PostedTimers);
        Assert.Single(Decide(Notice(120, session: 2), state).Events);
    }

    [Fact]
    public void An_empty_notice_decides_nothing() =>
        Assert.Empty(Decide(Notice(120, text: " "), After(Establish(0))).Events);

    [Fact]
    public void A_greeting_is_not_a_timer_firing() =>
        Assert.Empty(After(Establish(0)).PostedTimers);
}
