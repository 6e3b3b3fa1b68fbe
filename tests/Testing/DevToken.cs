using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Handoff.Testing;

/// <summary>
/// Mints the same HS256 agent token as <c>./dev token</c>: issuer <c>handoff-dev</c>,
/// audience <c>handoff-agent-api</c>, subject the agent id, claims <c>role</c> and <c>bots</c>.
/// </summary>
public static class DevToken
{
    public const string Issuer = "handoff-dev";
    public const string Audience = "handoff-agent-api";
    public const string TestSigningKey = "test-signing-key-0123456789abcdef0123456789abcdef";

    public const string Supervisor = "supervisor";
    public const string Agent = "agent";

    /// <summary>
    /// A token for <paramref name="agentId"/>. By default a supervisor, who sees every conversation; pass
    /// <paramref name="role"/> <see cref="Agent"/> and <paramref name="bots"/> for an agent scoped to those bots.
    /// A null role leaves the claim out.
    /// </summary>
    public static string Create(
        string agentId, string signingKey = TestSigningKey, TimeSpan? lifetime = null, string? role = Supervisor, IEnumerable<string>? bots = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var claims = new Dictionary<string, object>
        {
            ["sub"] = agentId, ["iss"] = Issuer, ["aud"] = Audience, ["iat"] = now,
            ["exp"] = now + (long)(lifetime ?? TimeSpan.FromHours(8)).TotalSeconds,
        };
        if (role is not null) claims["role"] = role;
        if (bots is not null) claims["bots"] = bots.ToArray();
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
