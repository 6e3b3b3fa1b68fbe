using System.Security.Cryptography;
using System.Text;
using Handoff.Gateway.Webhooks;
using Microsoft.Extensions.Options;

namespace Handoff.Gateway.WebhookSecurity;

/// <summary>Decides whether a webhook comes from AltaBots (or the proxy in front of it). Never logs or echoes what it was given.</summary>
public sealed class WebhookAuthenticator
{
    private static readonly WebhookReply Unauthenticated = new(StatusCodes.Status401Unauthorized, "webhook secret: missing or not valid");

    private readonly WebhookSecurityOptions options;
    private readonly List<byte[]> secretHashes;
    private readonly List<byte[]> signingKeys;
    private readonly ReplayGuard replays;
    private readonly TimeProvider clock;

    public WebhookAuthenticator(IOptions<WebhookSecurityOptions> options, ReplayGuard replays, TimeProvider clock)
    {
        this.options = options.Value;
        // Compared as hashes, so neither the length nor the content of a secret shows in the time a comparison takes.
        secretHashes = this.options.ActiveSecrets().Select(s => SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToList();
        signingKeys = this.options.ActiveSigningSecrets().Select(s => StandardWebhookSignature.Key(s)!).ToList();
        this.replays = replays;
        this.clock = clock;
    }

    /// <summary>Checked before the body is read: null when a configured shared secret was presented (or none is configured).</summary>
    public WebhookReply? CheckSecret(HttpRequest request)
    {
        if (secretHashes.Count == 0) return null;
        var matched = false;
        foreach (var candidate in Presented(request))
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(candidate));
            foreach (var expected in secretHashes)
                matched |= CryptographicOperations.FixedTimeEquals(hash, expected);
        }
        return matched ? null : Unauthenticated;
    }

    /// <summary>
    /// Checked once the body is read: null when no signing secret is configured, or the Standard Webhooks signature
    /// holds and its id is new. <paramref name="claimedId"/> is then the id to release if the webhook is not delivered.
    /// </summary>
    public WebhookReply? CheckSignature(HttpRequest request, ReadOnlySpan<byte> body, out string? claimedId)
    {
        claimedId = null;
        if (signingKeys.Count == 0) return null;
        var headers = request.Headers;
        var id = headers[StandardWebhookSignature.IdHeader].ToString();
        var problem = StandardWebhookSignature.Verify(signingKeys, id, headers[StandardWebhookSignature.TimestampHeader],
            headers[StandardWebhookSignature.SignatureHeader], body, clock.GetUtcNow(), options.SignatureTolerance);
        if (problem is not null)
            return new WebhookReply(StatusCodes.Status401Unauthorized, problem);
        if (!replays.TryClaim(id))
            return new WebhookReply(StatusCodes.Status401Unauthorized, $"{StandardWebhookSignature.IdHeader}: already received");
        claimedId = id;
        return null;
    }

    public void Release(string id) => replays.Release(id);

    private IEnumerable<string> Presented(HttpRequest request)
    {
        if (request.HttpContext.Items[WebhookSecretInPath.ItemKey] is string fromPath) yield return fromPath;
        foreach (var value in request.Query[options.QueryParameter]) if (value is not null) yield return value;
        foreach (var value in request.Headers[options.HeaderName]) if (value is not null) yield return value;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) yield return authorization["Bearer ".Length..].Trim();
    }
}
