namespace Handoff.Contracts;

/// <summary>One turn of the bot conversation before the handoff. QUESTION is the user, ANSWER the bot.</summary>
public record BotTurn(BotTurnKind Kind, string Text);

public enum BotTurnKind { Question, Answer }
