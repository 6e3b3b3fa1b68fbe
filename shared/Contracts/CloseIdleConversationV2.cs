namespace Handoff.Contracts;

/// <summary>
/// The idle timer of <paramref name="Session"/> ran out, having seen activity up to <paramref name="LastActivitySequence"/>
/// (the transcript sequence of the latest user message or agent reply; 0 for none since the handoff). Conversations
/// closes the session only if it is still open and has had no activity since. Supersedes <see cref="CloseIdleConversation"/>,
/// which Conversations still accepts from older builds.
/// </summary>
public record CloseIdleConversationV2(string ConversationId, int Session, DateTimeOffset DueAt, long LastActivitySequence);
