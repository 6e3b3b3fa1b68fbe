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

public class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 key the agent tokens are signed with; comes only from the environment.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "handoff-dev";

    [Required]
    public string Audience { get; set; } = "handoff-agent-api";
}

public static class AgentApi
{
    public const string AgentIdClaim = "sub";

    public static IHostApplicationBuilder AddAgentApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                // Keep "sub" as "sub": the agent id is read from it as issued.
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.Value.SigningKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = AgentIdClaim,
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy("agent", policy => policy.RequireAuthenticatedUser().RequireClaim(AgentIdClaim));

        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
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

    public static WebApplication MapAgentApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();

        app.MapGroup("/api/conversations")
            .RequireAuthorization("agent")
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
