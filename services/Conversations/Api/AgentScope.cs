using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace Handoff.Conversations.Api;

/// <summary>
/// What the calling agent may see: every conversation for a supervisor, else those of the bots in the token's bots
/// claim or configured for the agent. Anything else is answered as if it did not exist.
/// </summary>
public sealed record AgentScope(string AgentId, bool IsSupervisor, IReadOnlySet<string> Bots)
{
    public bool Sees(string? botId) => IsSupervisor || botId is not null && Bots.Contains(botId);

    /// <summary>Bound by minimal APIs for any endpoint that takes an <see cref="AgentScope"/>.</summary>
    public static ValueTask<AgentScope?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<AgentScope?>(Of(context.User, context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value));

    public static AgentScope Of(ClaimsPrincipal user, AuthOptions options)
    {
        var agentId = user.AgentId();
        var roles = Values(user, options.RoleClaim);
        var bots = Values(user, options.BotsClaim)
            .Concat(options.AgentBots.TryGetValue(agentId, out var configured) ? configured : [])
            .ToHashSet(StringComparer.Ordinal);
        return new AgentScope(agentId, roles.Contains(AgentAuth.SupervisorRole), bots);
    }

    // A JSON array arrives as one claim per element; a string may list several, separated by commas or spaces.
    private static IEnumerable<string> Values(ClaimsPrincipal user, string claim) =>
        user.FindAll(claim).SelectMany(c => c.Value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
