namespace Handoff.Contracts;

/// <summary>The idle timer of <paramref name="Session"/> ran out. Conversations closes it only if that session is still open and idle.</summary>
public record CloseIdleConversation(string ConversationId, int Session, DateTimeOffset DueAt);
