namespace Handoff.Contracts;

/// <summary>AltaBots closed the conversation (POST conversation/close). It is never echoed back to AltaBots.</summary>
public record RecordPlatformClose(string ConversationId, DateTimeOffset Timestamp, PlatformCloseType Type);

public enum PlatformCloseType { UserClosed, Timeout }
