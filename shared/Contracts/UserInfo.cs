namespace Handoff.Contracts;

public record UserInfo(string? UserId, string? AnonymousId, string? Email, string? Phone);
