using Handoff.Timeouts.IdleTimeouts;
using Activity = Handoff.Timeouts.IdleTimeouts.ConversationFact.Activity;
using AgentReply = Handoff.Timeouts.IdleTimeouts.ConversationFact.AgentReply;
using Closed = Handoff.Timeouts.IdleTimeouts.ConversationFact.Closed;

namespace Handoff.Timeouts.Tests;

public class IdleClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly IdleClock OpenSession1 = new(1, true, T0);

    [Fact]
    public void First_handoff_opens_the_session_and_counts_from_its_time() =>
        Assert.Equal(new IdleClock(1, true, T0), IdleClock.Unknown.After(new Activity(1, T0)));

    [Fact]
    public void Activity_moves_the_deadline_later() =>
        Assert.Equal(T0.AddMinutes(13), OpenSession1.After(new Activity(1, T0.AddMinutes(3)))!.DueAt(TimeSpan.FromMinutes(10)));

    [Fact]
    public void A_repeated_or_older_activity_changes_nothing()
    {
        Assert.Null(OpenSession1.After(new Activity(1, T0)));
        Assert.Null(OpenSession1.After(new Activity(1, T0.AddSeconds(-5))));
    }

    [Fact]
    public void A_close_closes_the_session_once()
    {
        var closed = OpenSession1.After(new Closed(1, T0.AddMinutes(1)));
        Assert.Equal(new IdleClock(1, false, T0), closed);
        Assert.Null(closed!.After(new Closed(1, T0.AddMinutes(1))));
    }

    [Fact]
    public void Activity_of_a_closed_session_does_not_reopen_it() =>
        Assert.Null(new IdleClock(1, false, T0).After(new Activity(1, T0.AddMinutes(1))));

    [Fact]
    public void A_new_session_reopens_after_a_close() =>
        Assert.Equal(new IdleClock(2, true, T0.AddHours(1)), new IdleClock(1, false, T0).After(new Activity(2, T0.AddHours(1))));

    [Fact]
    public void Events_of_an_older_session_are_ignored()
    {
        var session2 = new IdleClock(2, true, T0);
        Assert.Null(session2.After(new Activity(1, T0.AddMinutes(5))));
        Assert.Null(session2.After(new Closed(1, T0.AddMinutes(5))));
    }

    [Fact]
    public void A_close_seen_before_its_handoff_keeps_that_handoff_from_arming()
    {
        var closedFirst = IdleClock.Unknown.After(new Closed(1, T0.AddMinutes(1)))!;
        Assert.False(closedFirst.IsOpen);
        Assert.Null(closedFirst.After(new Activity(1, T0)));
    }

    [Fact]
    public void A_user_message_seen_before_its_handoff_opens_the_session() =>
        Assert.Equal(new IdleClock(1, true, T0.AddSeconds(2)), IdleClock.Unknown.After(new Activity(1, T0.AddSeconds(2))));

    [Fact]
    public void An_agent_reply_moves_the_deadline_and_marks_the_session_answered() =>
        Assert.Equal(new IdleClock(1, true, T0.AddMinutes(1), AgentReplied: true), OpenSession1.After(new AgentReply(1, T0.AddMinutes(1))));

    [Fact]
    public void An_agent_reply_older_than_the_last_activity_still_marks_the_session_answered() =>
        Assert.Equal(new IdleClock(1, true, T0, AgentReplied: true), OpenSession1.After(new AgentReply(1, T0.AddSeconds(-1))));

    [Fact]
    public void A_repeated_agent_reply_changes_nothing()
    {
        var answered = OpenSession1.After(new AgentReply(1, T0.AddMinutes(1)))!;
        Assert.Null(answered.After(new AgentReply(1, T0.AddMinutes(1))));
    }

    [Fact]
    public void A_new_session_starts_unanswered()
    {
        var answered = new IdleClock(1, false, T0, AgentReplied: true);
        Assert.False(answered.After(new Activity(2, T0.AddHours(1)))!.AgentReplied);
    }

    [Fact]
    public void The_clock_keeps_the_sequence_of_its_latest_activity()
    {
        var chatted = OpenSession1.After(new Activity(1, T0.AddMinutes(1), Sequence: 4))!;
        Assert.Equal(4, chatted.LastActivitySequence);
        Assert.Equal(6, chatted.After(new AgentReply(1, T0.AddMinutes(2), Sequence: 6))!.LastActivitySequence);
        // An older message seen late does not take the sequence back.
        Assert.Null(chatted.After(new Activity(1, T0.AddSeconds(30), Sequence: 3)));
    }

    [Fact]
    public void An_agent_reply_seen_late_marks_the_session_answered_but_keeps_the_latest_sequence()
    {
        var chatted = OpenSession1.After(new Activity(1, T0.AddMinutes(2), Sequence: 7))!;
        Assert.Equal(chatted with { AgentReplied = true }, chatted.After(new AgentReply(1, T0.AddMinutes(1), Sequence: 6)));
    }

    [Fact]
    public void A_session_opens_when_its_first_event_arrives_and_only_then()
    {
        var opened = IdleClock.Unknown.After(new Activity(1, T0))!;
        Assert.True(IdleClock.Unknown.Opens(opened));
        Assert.False(opened.Opens(opened.After(new Activity(1, T0.AddMinutes(1)))!));
        Assert.True(new IdleClock(1, false, T0).Opens(new IdleClock(2, true, T0.AddHours(1))));
    }
}
