using System.ComponentModel.DataAnnotations;

namespace Handoff.Timeouts.Scheduling;

/// <summary>Bound from the <c>Handoff:Scheduler</c> section.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Handoff:Scheduler";

    /// <summary>How often due messages are looked for; a timer fires at most this late (plus the send).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How long one send may wait for the broker before the row is left for the next poll.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
