using System.ComponentModel.DataAnnotations;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>Bound from the <c>Handoff</c> section.</summary>
public sealed class IdleTimeoutOptions
{
    public const string Section = "Handoff";

    /// <summary>
    /// How long a session may go without a user message or agent reply before it is closed as idle. Zero switches the
    /// idle close (and its warning) off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
