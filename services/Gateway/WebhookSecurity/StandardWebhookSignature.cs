using System.Security.Cryptography;
using System.Text;

namespace Handoff.Gateway.WebhookSecurity;

/// <summary>
/// Standard Webhooks (standardwebhooks.com) verification: <c>webhook-signature</c> holds space-separated
/// <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c>, the key being the base64 after <c>whsec_</c>.
/// Pure: the caller passes the time.
/// </summary>
public static class StandardWebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static byte[]? Key(string secret)
    {
        var encoded = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : null;
        if (encoded is null) return null;
        try
        {
            var key = Convert.FromBase64String(encoded);
            return key.Length >= 24 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Null when the signature holds for one of <paramref name="keys"/>, else what is wrong (never a secret).</summary>
    public static string? Verify(
        IReadOnlyList<byte[]> keys, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 256)
            return $"{IdHeader}: is required";
        if (!long.TryParse(timestamp, out var seconds) || seconds is < 0 or > 253_402_300_799)
            return $"{TimestampHeader}: must be Unix seconds";
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
            return $"{TimestampHeader}: is too far from now";
        if (string.IsNullOrEmpty(signatures))
            return $"{SignatureHeader}: is required";

        var signed = SignedContent(id, seconds, body);
        var expected = keys.Select(k => HMACSHA256.HashData(k, signed)).ToList();
        var match = false;
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith("v1,", StringComparison.Ordinal)) continue;
            var bytes = new byte[32];
            if (!Convert.TryFromBase64String(candidate[3..], bytes, out var written) || written != 32) continue;
            foreach (var e in expected)
                match |= CryptographicOperations.FixedTimeEquals(e, bytes);
        }
        return match ? null : $"{SignatureHeader}: does not match";
    }

    private static byte[] SignedContent(string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }
}
