using Handoff.Timeouts.IdleTimeouts;
using Activity = Handoff.Timeouts.IdleTimeouts.ConversationFact.Activity;
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
}
