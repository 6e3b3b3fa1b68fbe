using System.ComponentModel.DataAnnotations;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>Bound from the <c>Handoff:Timeouts</c> section. A zero time or count switches that timer off.</summary>
public sealed class TimerOptions
{
    public const string Section = "Handoff:Timeouts";

    /// <summary>How long after the handoff, and then between notices, the user waits before hearing we are still looking.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AgentWait { get; set; } = TimeSpan.FromMinutes(2);

    [Required(AllowEmptyStrings = true)]
    public string AgentWaitMessage { get; set; } = "We're still finding someone for you. Thanks for your patience!";

    /// <summary>At most this many agent-wait notices per session.</summary>
    [Range(0, 100)]
    public int AgentWaitRepeats { get; set; } = 3;

    /// <summary>How long before the idle close the user is warned; off when not shorter than <c>Handoff:IdleTimeout</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan IdleWarningBefore { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>{minutes}</c> (rounded up) and <c>{seconds}</c> are replaced by the time left before the close.</summary>
    [Required(AllowEmptyStrings = true)]
    public string IdleWarningMessage { get; set; } = "Are you still there? This chat closes in {minutes} minute(s) unless someone writes.";

    /// <summary>How long a closed conversation's saga is kept, so late events of its session arm nothing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ClosedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often closed sagas past their retention are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);
}
