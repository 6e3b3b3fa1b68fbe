namespace Handoff.Contracts;

/// <summary>
/// A timer of <paramref name="Session"/> fired and the user should be told <paramref name="Text"/>. Conversations posts it
/// as a <c>system</c> transcript entry only while that session is open, and once per <paramref name="Kind"/> and
/// <paramref name="DueAt"/>, so a timer that fires twice tells the user once.
/// </summary>
public record PostSystemMessage(string ConversationId, int Session, SystemMessageKind Kind, string Text, DateTimeOffset DueAt);

/// <summary>AgentWait: no agent has answered yet. IdleWarning: the session closes soon unless someone writes.</summary>
public enum SystemMessageKind { AgentWait, IdleWarning }
