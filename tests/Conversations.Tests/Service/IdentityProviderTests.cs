using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Handoff.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Conversations.Tests.Service;

/// <summary>
/// A minimal OIDC identity provider: a discovery document and one RSA signing key, on loopback. It issues tokens
/// the way Keycloak or Entra would, signed RS256 with a key id the API must fetch.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly RSA key = RSA.Create(2048);
    public const string KeyId = "test-key-1";

    private FakeIdentityProvider(WebApplication app) => this.app = app;

    public string Authority => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/realms/support";

    public static async Task<FakeIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var idp = new FakeIdentityProvider(builder.Build());
        idp.app.MapGet("/realms/support/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = idp.Authority,
            ["jwks_uri"] = idp.Authority + "/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        idp.app.MapGet("/realms/support/keys", () =>
        {
            var parameters = idp.key.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(parameters.Modulus!), e = Base64Url(parameters.Exponent!) } } });
        });
        await idp.app.StartAsync();
        return idp;
    }

    public string Issue(string agentId, string audience, string role = "agent", string[]? bots = null, string? issuer = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = KeyId }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = agentId, ["iss"] = issuer ?? Authority, ["aud"] = audience, ["iat"] = now, ["exp"] = now + 600,
            ["role"] = role, ["bots"] = bots ?? [],
        }));
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        key.Dispose();
    }
}

/// <summary>Conversations configured with an identity provider (<c>Auth:Authority</c>) and no development key.</summary>
public sealed class IdentityProviderTests : IAsyncLifetime
{
    private const string Audience = "handoff-test-api";
    private readonly IsolatedEnvironment environment = new();
    private FakeIdentityProvider idp = null!;
    private WebApplicationFactory<Program> factory = null!;

    public async Task InitializeAsync()
    {
        await environment.InitializeAsync();
        idp = await FakeIdentityProvider.StartAsync();
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in environment.ServiceConfiguration("conversations"))
                builder.UseSetting(key, value);
            builder.UseSetting("Auth:Authority", idp.Authority);
            builder.UseSetting("Auth:Audience", Audience);
        });
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await idp.DisposeAsync();
        await environment.DisposeAsync();
    }

    private async Task<HttpStatusCode> List(string token)
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync("/api/conversations")).StatusCode;
    }

    [Fact]
    public async Task Tokens_of_the_identity_provider_are_accepted_and_nothing_else()
    {
        Assert.Equal(HttpStatusCode.OK, await List(idp.Issue("alice", Audience, bots: ["bot-1"])));
        Assert.Equal(HttpStatusCode.OK, await List(idp.Issue("sue", Audience, role: "supervisor")));

        Assert.Equal(HttpStatusCode.Unauthorized, await List(idp.Issue("alice", "another-api")));
        Assert.Equal(HttpStatusCode.Unauthorized, await List(idp.Issue("alice", Audience, issuer: "https://elsewhere.example/realms/support")));
        Assert.Equal(HttpStatusCode.Unauthorized, await List(DevToken.Create("alice")));
        Assert.Equal(HttpStatusCode.Forbidden, await List(idp.Issue("mallory", Audience, role: "customer")));
    }
}
