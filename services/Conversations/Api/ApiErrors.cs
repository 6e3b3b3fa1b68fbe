using System.Security.Claims;
using Handoff.Conversations.Conversations;

namespace Handoff.Conversations.Api;

/// <summary>Every error the agent API returns has this shape.</summary>
public record ApiError(string Code, string Message);

public static class ApiErrors
{
    public static IResult NotFound() => ToResult(Rejection.NotFound);

    public static IResult BadRequest(string code, string message) => Results.BadRequest(new ApiError(code, message));

    public static IResult ToResult(this Rejection rejection)
    {
        var error = new ApiError(rejection.Code, rejection.Message);
        return rejection.Kind switch
        {
            RejectionKind.NotFound => Results.NotFound(error),
            RejectionKind.Conflict => Results.Conflict(error),
            _ => Results.BadRequest(error),
        };
    }

    public static string AgentId(this ClaimsPrincipal agent) => agent.FindFirstValue(AgentApi.AgentIdClaim) ?? "";
}
