using Handoff.Timeouts.IdleTimeouts;

namespace Handoff.Timeouts.Tests;

public class TimerPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly IdleClock Open = new(1, true, T0);
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private static TimerPolicy Policy(Action<TimerOptions>? change = null, TimeSpan? idle = null)
    {
        var options = new TimerOptions();
        change?.Invoke(options);
        return new TimerPolicy(idle ?? Idle, options);
    }

    [Fact]
    public void By_default_the_warning_comes_one_minute_before_the_close()
    {
        Assert.Equal(T0.AddMinutes(10), Policy().IdleCloseAt(Open));
        Assert.Equal(T0.AddMinutes(9), Policy().IdleWarningAt(Open));
    }

    [Fact]
    public void A_closed_session_has_no_timers()
    {
        var closed = Open with { IsOpen = false };
        Assert.Null(Policy().IdleCloseAt(closed));
        Assert.Null(Policy().IdleWarningAt(closed));
        Assert.Null(Policy().FirstAgentWaitAt(closed, T0));
    }

    [Fact]
    public void A_zero_idle_timeout_switches_off_the_close_and_its_warning()
    {
        Assert.Null(Policy(idle: TimeSpan.Zero).IdleCloseAt(Open));
        Assert.Null(Policy(idle: TimeSpan.Zero).IdleWarningAt(Open));
    }

    [Fact]
    public void A_zero_warning_or_an_empty_warning_text_switches_the_warning_off()
    {
        Assert.Null(Policy(o => o.IdleWarningBefore = TimeSpan.Zero).IdleWarningAt(Open));
        Assert.Null(Policy(o => o.IdleWarningMessage = "").IdleWarningAt(Open));
        Assert.NotNull(Policy(o => o.IdleWarningBefore = TimeSpan.Zero).IdleCloseAt(Open));
    }

    [Fact]
    public void A_warning_not_shorter_than_the_idle_timeout_is_off_and_the_close_stays()
    {
        var shortIdle = Policy(idle: TimeSpan.FromSeconds(4));
        Assert.Null(shortIdle.IdleWarningAt(Open));
        Assert.Equal(T0.AddSeconds(4), shortIdle.IdleCloseAt(Open));
        Assert.Null(Policy(o => o.IdleWarningBefore = Idle).IdleWarningAt(Open));
    }

    [Fact]
    public void The_warning_names_the_minutes_left_rounded_up()
    {
        Assert.Equal("closes in 2 min", Policy(o => (o.IdleWarningBefore, o.IdleWarningMessage) = (TimeSpan.FromSeconds(90), "closes in {minutes} min"))
            .IdleWarningText);
        Assert.Equal("closes in 90 s", Policy(o => (o.IdleWarningBefore, o.IdleWarningMessage) = (TimeSpan.FromSeconds(90), "closes in {seconds} s"))
            .IdleWarningText);
    }

    [Fact]
    public void The_first_agent_wait_notice_is_one_interval_after_the_session_opened() =>
        Assert.Equal(T0.AddMinutes(2), Policy().FirstAgentWaitAt(Open with { LastActivityAt = T0.AddMinutes(1) }, T0));

    [Fact]
    public void Agent_wait_notices_repeat_at_the_interval_up_to_the_count()
    {
        var policy = Policy(o => o.AgentWaitRepeats = 3);
        Assert.Equal(T0.AddMinutes(4), policy.NextAgentWaitAt(T0.AddMinutes(2), sent: 1));
        Assert.Equal(T0.AddMinutes(6), policy.NextAgentWaitAt(T0.AddMinutes(4), sent: 2));
        Assert.Null(policy.NextAgentWaitAt(T0.AddMinutes(6), sent: 3));
    }

    [Fact]
    public void No_agent_wait_notice_once_an_agent_answered() =>
        Assert.Null(Policy().FirstAgentWaitAt(Open with { AgentReplied = true }, T0));

    [Fact]
    public void A_zero_interval_or_count_or_an_empty_text_switches_agent_wait_off()
    {
        Assert.Null(Policy(o => o.AgentWait = TimeSpan.Zero).FirstAgentWaitAt(Open, T0));
        Assert.Null(Policy(o => o.AgentWaitRepeats = 0).FirstAgentWaitAt(Open, T0));
        Assert.Null(Policy(o => o.AgentWaitMessage = " ").FirstAgentWaitAt(Open, T0));
    }
}
