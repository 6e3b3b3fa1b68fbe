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
    public Guid? IdleTimeoutTokenId { get; set; }

    public IdleClock ToClock() => new(Session, IsOpen, LastActivityAt);

    public void Set(IdleClock clock) => (Session, IsOpen, LastActivityAt) = (clock.Session, clock.IsOpen, clock.LastActivityAt);
}
