using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Handoff.ServiceDefaults;

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

    /// <summary>Whether either way of validating tokens is configured at all.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrEmpty(SigningKey);

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

/// <summary>Every error the agent and operator APIs return has this shape.</summary>
public record ApiError(string Code, string Message)
{
    /// <summary>A status as the APIs' codes are written: its reason phrase as a word, 431 is <c>request_header_fields_too_large</c>.</summary>
    public static string CodeFor(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase
            ? string.Concat(phrase.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c).ToString() : c is ' ' or '-' ? "_" : ""))
            : "error";
}

/// <summary>
/// The door of every API that agents and operators call (Conversations' agent API, Outbound's deliveries): bearer tokens
/// from the identity provider or the development key, the roles <c>agent</c> and <c>supervisor</c>, and
/// <see cref="ApiError"/> bodies for every refusal, 401, 403, malformed requests and unknown paths included.
/// </summary>
public static class AgentAuth
{
    public const string AgentIdClaim = "sub";
    public const string AgentRole = "agent";
    public const string SupervisorRole = "supervisor";

    /// <summary>Agents and supervisors.</summary>
    public const string AgentPolicy = "agent";

    /// <summary>For operator endpoints (failed deliveries, replays): supervisors only.</summary>
    public const string SupervisorPolicy = "supervisor";

    /// <summary>
    /// Token validation, the two policies and the error shape. With <paramref name="requireConfiguration"/> false, a
    /// service whose API is not its main job still starts when <c>Auth:*</c> is absent, and refuses every call (401);
    /// a value that is present but wrong stops it either way.
    /// </summary>
    public static IHostApplicationBuilder AddAgentAuth(this IHostApplicationBuilder builder, bool requireConfiguration = true)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp =>
            new AuthValidation(requireConfiguration, sp.GetRequiredService<ILogger<AuthOptions>>()));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => ConfigureJwt(jwt, auth.Value));
        services.AddAuthorizationBuilder()
            .AddPolicy(AgentPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(AgentIdClaim)
                .RequireRole(AgentRole, SupervisorRole))
            .AddPolicy(SupervisorPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(AgentIdClaim)
                .RequireRole(SupervisorRole));

        // Binding failures throw so the handler below answers them in the API's error shape.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddProblemDetails();
        return builder;
    }

    /// <summary>The error shape for what no endpoint answers, then authentication and authorization.</summary>
    public static WebApplication UseAgentAuth(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Unknown paths and methods, too, answer in the API's error shape.
        app.UseStatusCodePages(context => context.HttpContext.Response.WriteAsJsonAsync(new ApiError(
            ApiError.CodeFor(context.HttpContext.Response.StatusCode), "The request could not be served.")));
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The caller's id: the token's <c>sub</c>.</summary>
    public static string AgentId(this ClaimsPrincipal user) => user.FindFirstValue(AgentIdClaim) ?? "";

    private static void ConfigureJwt(JwtBearerOptions jwt, AuthOptions auth)
    {
        // Keep "sub" and the role claim as issued: the agent id and the roles are read from them by name.
        jwt.MapInboundClaims = false;
        var parameters = new TokenValidationParameters
        {
            ValidAudience = auth.Audience,
            NameClaimType = AgentIdClaim,
            RoleClaimType = auth.RoleClaim,
        };
        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            // The identity provider's discovery document gives the issuer and its rotating signing keys.
            jwt.Authority = auth.Authority;
            jwt.Audience = auth.Audience;
            // Plain http only for an identity provider on this machine (a local Keycloak, a test double).
            jwt.RequireHttpsMetadata = !new Uri(auth.Authority).IsLoopback;
        }
        else
        {
            parameters.ValidIssuer = auth.Issuer;
            // No key (allowed only where the API is optional): no signature can be valid, so every call gets 401.
            if (!string.IsNullOrEmpty(auth.SigningKey))
                parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey));
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        jwt.TokenValidationParameters = parameters;
        jwt.Events = new JwtBearerEvents
        {
            // The API's error shape for 401 and 403 too; the reason stays in the WWW-Authenticate header.
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsJsonAsync(new ApiError("unauthorized", "A valid bearer token is required."));
            },
            OnForbidden = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return context.Response.WriteAsJsonAsync(new ApiError("forbidden", "This token's role may not do that."));
            },
        };
    }

    /// <summary>The data annotations and <see cref="AuthOptions.Validate"/>, skipped only when optional and absent.</summary>
    private sealed class AuthValidation(bool required, ILogger logger) : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            if (!required && !options.IsConfigured)
            {
                logger.LogWarning("Neither Auth:Authority nor Auth:SigningKey is set: every call to this service's API is refused");
                return ValidateOptionsResult.Success;
            }
            var errors = new List<ValidationResult>();
            return Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => e.ErrorMessage ?? "Auth is invalid."));
        }
    }

    private sealed class BadRequestHandler(ILogger<BadRequestHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            if (exception is BadHttpRequestException bad)
            {
                logger.LogInformation("Rejected a malformed request to {Path}", context.Request.Path);
                context.Response.StatusCode = bad.StatusCode;
                await context.Response.WriteAsJsonAsync(new ApiError("bad_request", "The request could not be read: check its JSON body and parameters."), ct);
                return true;
            }
            // ASP.NET throws an InvalidOperationException (a 500) reading JSON declared in a charset .NET does not know.
            // Only that failure is the client's: any other one, whatever the request's charset, stays what it is.
            if (exception is InvalidOperationException && context.Request.GetTypedHeaders().ContentType?.Charset.Value is { } charset
                && !IsKnownEncoding(charset.Trim('"')))
            {
                logger.LogInformation("Rejected a request to {Path} in an unsupported charset", context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await context.Response.WriteAsJsonAsync(new ApiError("unsupported_media_type", "The request body must be JSON in UTF-8."), ct);
                return true;
            }
            return false;
        }

        private static bool IsKnownEncoding(string charset)
        {
            try
            {
                System.Text.Encoding.GetEncoding(charset);
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}
