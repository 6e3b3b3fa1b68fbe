using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Conversations.Assignment;
using Handoff.Conversations.Closing;
using Handoff.Conversations.GetConversation;
using Handoff.Conversations.ListConversations;
using Handoff.Conversations.Replies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Handoff.Conversations.Api;

/// <summary>Field limits of the agent API (<c>AgentApi:*</c>).</summary>
public sealed class AgentApiOptions
{
    public const string Section = "AgentApi";

    /// <summary>Longest reply an agent may send, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxTextLength { get; set; } = 8000;

    /// <summary>Longest agent id accepted in an assignment.</summary>
    [Range(16, 1024)]
    public int MaxIdLength { get; set; } = 128;
}

public static class AgentApi
{
    public const string AgentIdClaim = "sub";
    public const string AgentPolicy = "agent";
    /// <summary>For operator endpoints (failed deliveries, replays): supervisors only.</summary>
    public const string SupervisorPolicy = "supervisor";

    public static IHostApplicationBuilder AddAgentApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AgentApiOptions>().BindConfiguration(AgentApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => ConfigureJwt(jwt, auth.Value));
        services.AddAuthorizationBuilder()
            .AddPolicy(AgentPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(AgentIdClaim)
                .RequireRole(AgentScope.AgentRole, AgentScope.SupervisorRole))
            .AddPolicy(SupervisorPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(AgentIdClaim)
                .RequireRole(AgentScope.SupervisorRole));

        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            // {"text":"a","text":"b"} is ambiguous; whichever one we took, a proxy or log in between may have read the other.
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        // Binding failures throw so the handler below answers them in the API's error shape.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            // Agents reach this API through the Gateway; a server URL naming this service's own address would
            // send the docs page's "try it out" calls around it.
            document.Servers = [];
            return Task.CompletedTask;
        }));
        services.AddSingleton(TimeProvider.System);
        return builder;
    }

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
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey!));
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

    public static WebApplication MapAgentApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Unknown paths and methods, too, answer in the API's error shape.
        app.UseStatusCodePages(context => context.HttpContext.Response.WriteAsJsonAsync(new ApiError(
            ((System.Net.HttpStatusCode)context.HttpContext.Response.StatusCode).ToString().ToLowerInvariant(), "The request could not be served.")));
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();

        app.MapGroup("/api/conversations")
            .RequireAuthorization(AgentPolicy)
            .WithTags("Conversations")
            .MapListConversations()
            .MapGetConversation()
            .MapReply()
            .MapAssign()
            .MapClose();
        return app;
    }

    private sealed class BadRequestHandler(ILogger<BadRequestHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            if (exception is not BadHttpRequestException bad) return false;
            logger.LogInformation("Rejected a malformed request to {Path}", context.Request.Path);
            context.Response.StatusCode = bad.StatusCode;
            await context.Response.WriteAsJsonAsync(new ApiError("bad_request", "The request could not be read: check its JSON body and parameters."), ct);
            return true;
        }
    }
}
