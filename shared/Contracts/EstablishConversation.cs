namespace Handoff.Contracts;

/// <summary>AltaBots asked for a human (POST conversation/establish). <paramref name="History"/> is the bot conversation so far.</summary>
public record EstablishConversation(
    string ConversationId,
    string BotId,
    DateTimeOffset Timestamp,
    string? Email,
    UserInfo User,
    IReadOnlyList<BotTurn> History);
