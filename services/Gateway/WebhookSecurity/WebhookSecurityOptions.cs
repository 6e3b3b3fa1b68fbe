using System.ComponentModel.DataAnnotations;

namespace Handoff.Gateway.WebhookSecurity;

/// <summary>
/// How AltaBots proves a webhook is its own (<c>Gateway:Webhooks</c>). The secrets come only from the environment,
/// e.g. <c>Gateway__Webhooks__Secrets__0</c>.
/// </summary>
public sealed class WebhookSecurityOptions : IValidatableObject
{
    public const string Section = "Gateway:Webhooks";

    /// <summary>
    /// Shared secrets, any of which is accepted: two at once while a secret is rotated. AltaBots can only be given a
    /// base URL, so the secret usually travels as a path segment (<c>/hooks/{secret}/...</c>) or a query parameter.
    /// </summary>
    public string[] Secrets { get; set; } = [];

    /// <summary>Standard Webhooks signing secrets (<c>whsec_</c> + base64); when any is set, every webhook must be signed.</summary>
    public string[] SigningSecrets { get; set; } = [];

    /// <summary>
    /// Off only when said so explicitly: a Gateway without a secret in force otherwise refuses to start. A secret in
    /// force wins over this switch.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>The header that may carry the secret, besides <c>Authorization: Bearer</c>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9-]+$")]
    public string HeaderName { get; set; } = "X-Handoff-Webhook-Secret";

    [Required, RegularExpression("^[A-Za-z0-9_-]+$")]
    public string QueryParameter { get; set; } = "secret";

    /// <summary>How far a <c>webhook-timestamp</c> may be from now, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recent <c>webhook-id</c>s are remembered to reject replays.</summary>
    [Range(100, 10_000_000)]
    public int ReplayCacheSize { get; set; } = 100_000;

    public const int MinSecretLength = 24;

    /// <summary>
    /// The shared secrets in force. An empty or blank entry is none: it is what an unset variable becomes in Docker
    /// Compose (<c>${HANDOFF_WEBHOOK_SECRET:-}</c>) or an empty optional Kubernetes secret, never a secret anyone may present.
    /// </summary>
    public IReadOnlyList<string> ActiveSecrets() => Secrets.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();

    /// <summary>The signing secrets in force; blank entries are none, as for <see cref="ActiveSecrets"/>.</summary>
    public IReadOnlyList<string> ActiveSigningSecrets() => SigningSecrets.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();

    /// <summary>Whether webhooks go unauthenticated: only when said so, and no secret is in force.</summary>
    public bool AuthenticationOff => AllowUnauthenticated && ActiveSecrets().Count == 0 && ActiveSigningSecrets().Count == 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AllowUnauthenticated && ActiveSecrets().Count == 0 && ActiveSigningSecrets().Count == 0)
        {
            // An entry that is there but blank is most likely a variable meant to be set and left empty: name it.
            var blank = Blank(Secrets, nameof(Secrets)).Concat(Blank(SigningSecrets, nameof(SigningSecrets))).ToList();
            var named = blank.Count switch
            {
                0 => "",
                1 => $"{blank[0]} is empty, and an empty secret authenticates nothing. ",
                _ => $"{string.Join(", ", blank)} are empty, and an empty secret authenticates nothing. ",
            };
            yield return new ValidationResult(
                named + "Gateway:Webhooks:Secrets (or SigningSecrets) must be set, or Gateway:Webhooks:AllowUnauthenticated=true to accept anyone's webhooks.",
                [nameof(Secrets)]);
        }
        // The values are never echoed: a start-up error lands in logs.
        for (var i = 0; i < Secrets.Length; i++)
            if (!string.IsNullOrWhiteSpace(Secrets[i]) && (Secrets[i].Length < MinSecretLength || !Secrets[i].All(IsUrlSafe)))
                yield return new ValidationResult(
                    $"Gateway:Webhooks:Secrets:{i} must be at least {MinSecretLength} characters of A-Z, a-z, 0-9, '-', '_' (it travels in a URL).",
                    [nameof(Secrets)]);
        for (var i = 0; i < SigningSecrets.Length; i++)
            if (!string.IsNullOrWhiteSpace(SigningSecrets[i]) && StandardWebhookSignature.Key(SigningSecrets[i]) is null)
                yield return new ValidationResult(
                    $"Gateway:Webhooks:SigningSecrets:{i} must be 'whsec_' followed by base64 of at least 24 bytes.", [nameof(SigningSecrets)]);
    }

    private static IEnumerable<string> Blank(string[] entries, string key) =>
        entries.Select((value, i) => (value, i)).Where(e => string.IsNullOrWhiteSpace(e.value)).Select(e => $"{Section}:{key}:{e.i}");

    private static bool IsUrlSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
