namespace Handoff.Contracts;

/// <summary>The user wrote to the human side (POST chat).</summary>
public record PostUserMessage(string ConversationId, DateTimeOffset Timestamp, string Text);
