using System.ComponentModel.DataAnnotations;

namespace Handoff.Gateway.RateLimits;

/// <summary>Requests one source (client IP address) may make per window (<c>Gateway:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    /// <summary>AltaBots sends every user's webhooks from few addresses, so its budget is generous.</summary>
    [Required]
    public WindowLimit Webhooks { get; set; } = new() { PermitLimit = 1200 };

    [Required]
    public WindowLimit Api { get; set; } = new() { PermitLimit = 600 };
}

public sealed class WindowLimit
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
