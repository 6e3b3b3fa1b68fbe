namespace Handoff.Contracts;

public record ConversationClosed(string ConversationId, int Session, CloseReason Reason, DateTimeOffset At);

/// <summary>UserClosed and PlatformTimeout came from AltaBots; Agent and Idle were decided here and must be told to AltaBots.</summary>
public enum CloseReason { UserClosed, PlatformTimeout, Agent, Idle }
