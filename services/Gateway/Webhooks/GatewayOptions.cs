using System.ComponentModel.DataAnnotations;

namespace Handoff.Gateway.Webhooks;

/// <summary>The <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>
    /// AltaBots posts to whatever base URL the integrator typed in: its docs show both the bare paths and
    /// <c>/human/service/...</c>, so by default both are served. Empty means the defaults.
    /// </summary>
    public string[] PathPrefixes { get; set; } = [];

    /// <summary>AltaBots shows the user "Busy" on anything but 200, so a fast 503 beats a hung request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan BrokerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 65536;

    /// <summary>Longest <c>conversation_id</c> and <c>bot_id</c> accepted; AltaBots' ids are 24-character hex.</summary>
    [Range(16, 1024)]
    public int MaxIdLength { get; set; } = 128;

    /// <summary>Longest chat text or history turn, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxTextLength { get; set; } = 8000;

    /// <summary>Most bot-history turns an establish may carry.</summary>
    [Range(0, 10_000)]
    public int MaxHistoryTurns { get; set; } = 200;

    public WebhookLimits Limits() => new(MaxIdLength, MaxTextLength, MaxHistoryTurns);

    public static readonly string[] DefaultPathPrefixes = ["", "/human/service"];

    /// <summary>The prefixes in route form: "" for the root, otherwise "/a/b" without a trailing slash.</summary>
    public IReadOnlyList<string> EffectivePathPrefixes() =>
        (PathPrefixes.Length == 0 ? DefaultPathPrefixes : PathPrefixes)
            .Select(p => p.Trim().TrimEnd('/'))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        PathPrefixes
            .Where(p => p.Trim().Length > 0 && !p.Trim().StartsWith('/'))
            .Select(p => new ValidationResult($"Gateway:PathPrefixes entry '{p}' must be empty or start with '/'.", [nameof(PathPrefixes)]));
}
