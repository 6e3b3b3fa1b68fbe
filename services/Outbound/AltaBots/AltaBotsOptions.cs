using System.ComponentModel.DataAnnotations;

namespace Handoff.Outbound.AltaBots;

/// <summary>Where and how Outbound reaches AltaBots (<c>AltaBots:*</c>). The key comes only from the environment.</summary>
public sealed class AltaBotsOptions : IValidatableObject
{
    public const string Section = "AltaBots";

    /// <summary>The platform's base URL; it differs per region, e.g. https://altatech.ai.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    [Required]
    public string? ApiKey { get; set; }

    /// <summary>How long one attempt may take; retries are MassTransit's, so this is not a total budget.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUrl is { IsAbsoluteUri: false } || BaseUrl is { Scheme: not ("http" or "https") })
            yield return new ValidationResult("AltaBots:BaseUrl must be an absolute http(s) URI.", [nameof(BaseUrl)]);
        // Every call carries the API key and the user's conversation: plain http only where it cannot leave the machine.
        else if (BaseUrl is { Scheme: "http", IsLoopback: false })
            yield return new ValidationResult("AltaBots:BaseUrl must be https (plain http is allowed only on loopback).", [nameof(BaseUrl)]);
    }
}
