using System.Security.Cryptography;

namespace Handoff.Gateway.Tests.Security;

/// <summary>A Gateway with two shared webhook secrets active, as during a rotation.</summary>
public sealed class SecuredGateway : GatewayHost
{
    public const string OldSecret = "old-secret-0123456789abcdefghij";
    public const string NewSecret = "new-secret-0123456789abcdefghij";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:Webhooks:Secrets:0", OldSecret),
        new("Gateway:Webhooks:Secrets:1", NewSecret),
        new("Gateway:Webhooks:AllowUnauthenticated", "false"),
    ];
}

/// <summary>A Gateway that requires Standard Webhooks signatures, and no shared secret.</summary>
public sealed class SigningGateway : GatewayHost
{
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    public static readonly string SigningSecret = "whsec_" + Convert.ToBase64String(Key);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:Webhooks:SigningSecrets:0", SigningSecret),
        new("Gateway:Webhooks:AllowUnauthenticated", "false"),
    ];
}

/// <summary>A Gateway whose webhooks allow three requests per source and minute.</summary>
public sealed class RateLimitedGateway : GatewayHost
{
    public const int Limit = 3;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Gateway:RateLimits:Webhooks:PermitLimit", Limit.ToString()),
        new("Gateway:RateLimits:Webhooks:Window", "00:01:00"),
        new("Gateway:RateLimits:Api:PermitLimit", Limit.ToString()),
    ];
}

/// <summary>Behind an ingress: the client's address comes from X-Forwarded-For (ASPNETCORE_FORWARDEDHEADERS_ENABLED).</summary>
public sealed class ProxiedRateLimitedGateway : GatewayHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("FORWARDEDHEADERS_ENABLED", "true"),
        new("Gateway:RateLimits:Webhooks:PermitLimit", RateLimitedGateway.Limit.ToString()),
        new("Gateway:RateLimits:Webhooks:Window", "00:01:00"),
    ];
}
