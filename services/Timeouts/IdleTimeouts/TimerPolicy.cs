using System.Globalization;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>When each of a session's three timers is due, and what its notice says. Pure: the state machine asks, then arms.</summary>
public sealed class TimerPolicy(TimeSpan idleTimeout, TimerOptions options)
{
    public bool IdleCloseEnabled => idleTimeout > TimeSpan.Zero;

    /// <summary>
    /// A warning not shorter than the idle timeout would come at the start, not near the end: it is off then, rather than
    /// refused on start, so a short <c>Handoff:IdleTimeout</c> alone (as in tests) keeps working with the default warning.
    /// </summary>
    public bool IdleWarningEnabled => IdleCloseEnabled && options.IdleWarningBefore > TimeSpan.Zero
        && options.IdleWarningBefore < idleTimeout && !string.IsNullOrWhiteSpace(options.IdleWarningMessage);

    public bool AgentWaitEnabled => options.AgentWait > TimeSpan.Zero && options.AgentWaitRepeats > 0
        && !string.IsNullOrWhiteSpace(options.AgentWaitMessage);

    public DateTimeOffset? IdleCloseAt(IdleClock clock) => IdleCloseEnabled && clock.IsOpen ? clock.DueAt(idleTimeout) : null;

    public DateTimeOffset? IdleWarningAt(IdleClock clock) =>
        IdleWarningEnabled && clock.IsOpen ? clock.DueAt(idleTimeout) - options.IdleWarningBefore : null;

    /// <summary>The first notice is due one interval after the session opened, unless an agent was quicker.</summary>
    public DateTimeOffset? FirstAgentWaitAt(IdleClock clock, DateTimeOffset openedAt) =>
        AgentWaitEnabled && clock.IsOpen && !clock.AgentReplied ? openedAt + options.AgentWait : null;

    /// <summary>After a notice due at <paramref name="dueAt"/>, the next one, or null once <paramref name="sent"/> reaches the count.</summary>
    public DateTimeOffset? NextAgentWaitAt(DateTimeOffset dueAt, int sent) =>
        AgentWaitEnabled && sent < options.AgentWaitRepeats ? dueAt + options.AgentWait : null;

    public string AgentWaitText => options.AgentWaitMessage;

    public string IdleWarningText => options.IdleWarningMessage
        .Replace("{minutes}", Math.Ceiling(options.IdleWarningBefore.TotalMinutes).ToString(CultureInfo.InvariantCulture))
        .Replace("{seconds}", Math.Ceiling(options.IdleWarningBefore.TotalSeconds).ToString(CultureInfo.InvariantCulture));
}
