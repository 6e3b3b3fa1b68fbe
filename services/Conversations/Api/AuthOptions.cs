using System.ComponentModel.DataAnnotations;

namespace Handoff.Conversations.Api;

/// <summary>
/// How agent tokens are validated (<c>Auth:*</c>). With <see cref="Authority"/> set, against the team's identity provider
/// (OIDC discovery, its signing keys, <see cref="Audience"/>); otherwise with the local HS256 <see cref="SigningKey"/>
/// that <c>./dev up</c> generates.
/// </summary>
public class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The OIDC issuer URL, e.g. https://login.example.com/realms/support; empty for the development key.</summary>
    public string? Authority { get; set; }

    /// <summary>HS256 key the development tokens are signed with; comes only from the environment.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The issuer of development tokens; with an <see cref="Authority"/>, the issuer comes from its discovery document.</summary>
    [Required]
    public string Issuer { get; set; } = "handoff-dev";

    [Required]
    public string Audience { get; set; } = "handoff-agent-api";

    /// <summary>The claim holding the roles <c>agent</c> or <c>supervisor</c> (identity providers name it differently).</summary>
    [Required]
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim listing the bots (<c>bot_id</c>) an agent serves: a JSON array or a comma-separated string.</summary>
    [Required]
    public string BotsClaim { get; set; } = "bots";

    /// <summary>Bots per agent id, added to those in the token, for identity providers that cannot issue such a claim.</summary>
    public Dictionary<string, string[]> AgentBots { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Authority))
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme != "https" && !authority.IsLoopback)
                yield return new ValidationResult("Auth:Authority must be an absolute https URL.", [nameof(Authority)]);
        }
        else if (SigningKey is not { Length: >= 32 })
            yield return new ValidationResult(
                "Auth:SigningKey must be at least 32 characters, unless Auth:Authority names an identity provider.", [nameof(SigningKey)]);
    }
}
