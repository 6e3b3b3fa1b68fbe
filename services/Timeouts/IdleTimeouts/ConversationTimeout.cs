using MassTransit;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// The saga of one conversation. It outlives a close, as a tombstone of the closed session, so a late or repeated
/// event of that session cannot arm a timer again.
/// </summary>
public class ConversationTimeout : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public string ConversationId { get; set; } = "";
    public int Session { get; set; }
    public bool IsOpen { get; set; }
    public DateTimeOffset LastActivityAt { get; set; } = DateTimeOffset.MinValue;
    public bool AgentReplied { get; set; }
    public long LastActivitySequence { get; set; }
    public DateTimeOffset SessionOpenedAt { get; set; } = DateTimeOffset.MinValue;
    /// <summary>The session whose agent-wait notices were armed, so a repeated or late event does not restart them.</summary>
    public int AgentWaitSession { get; set; }
    /// <summary>Agent-wait notices sent in this session.</summary>
    public int AgentWaitNotices { get; set; }
    public Guid? IdleTimeoutTokenId { get; set; }
    public Guid? IdleWarningTokenId { get; set; }
    public Guid? AgentWaitTokenId { get; set; }

    public IdleClock ToClock() => new(Session, IsOpen, LastActivityAt, AgentReplied, LastActivitySequence);

    public void Set(IdleClock clock) =>
        (Session, IsOpen, LastActivityAt, AgentReplied, LastActivitySequence) =
        (clock.Session, clock.IsOpen, clock.LastActivityAt, clock.AgentReplied, clock.LastActivitySequence);
}
