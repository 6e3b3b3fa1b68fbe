using Handoff.Contracts;
using Handoff.Timeouts.Scheduling;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// Three timers per handoff session. Agent wait: until an agent first answers, the user is told at intervals that we
/// are still looking, up to a count. Idle warning and idle close: activity of the current session pushes both back;
/// the warning is told to the user, and when the close runs out Conversations is asked to close the session. Any
/// close disarms all three. Notices and closes are commands to Conversations, which has the last word on each.
/// </summary>
public class ConversationTimeoutStateMachine : MassTransitStateMachine<ConversationTimeout>
{
    public State Open { get; private set; } = null!;
    public State Closed { get; private set; } = null!;

    public Event<HandoffRequested> HandoffRequested { get; private set; } = null!;
    public Event<UserMessageReceived> UserMessageReceived { get; private set; } = null!;
    public Event<AgentReplied> AgentReplied { get; private set; } = null!;
    public Event<ConversationClosed> ConversationClosed { get; private set; } = null!;

    public Schedule<ConversationTimeout, IdleTimeoutElapsed> IdleTimeout { get; private set; } = null!;
    public Schedule<ConversationTimeout, IdleWarningDue> IdleWarning { get; private set; } = null!;
    public Schedule<ConversationTimeout, AgentWaitElapsed> AgentWait { get; private set; } = null!;

    public ConversationTimeoutStateMachine(IOptions<IdleTimeoutOptions> idleOptions, IOptions<TimerOptions> timerOptions, TimerMetrics metrics)
    {
        var policy = new TimerPolicy(idleOptions.Value.IdleTimeout, timerOptions.Value);
        InstanceState(x => x.CurrentState);

        Event(() => HandoffRequested, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => UserMessageReceived, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => AgentReplied, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => ConversationClosed, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));

        Schedule(() => IdleTimeout, x => x.IdleTimeoutTokenId, s => Wake(s));
        Schedule(() => IdleWarning, x => x.IdleWarningTokenId, s => Wake(s));
        Schedule(() => AgentWait, x => x.AgentWaitTokenId, s => Wake(s));
        // A wake-up that finds the conversation in a state that no longer wants it is stale, not an error.
        OnUnhandledEvent(x => x.Ignore());

        // Any event may be the first one seen (events of different types are not ordered), so each one can
        // create the saga, and each is handled the same way whatever the state.
        During(Initial, Open, Closed,
            Track(HandoffRequested, m => m.ConversationId, m => new ConversationFact.Activity(m.Session, m.At), policy),
            Track(UserMessageReceived, m => m.ConversationId, m => new ConversationFact.Activity(m.Session, m.At, m.Sequence), policy),
            Track(AgentReplied, m => m.ConversationId, m => new ConversationFact.AgentReply(m.Session, m.At, m.Sequence), policy),
            Track(ConversationClosed, m => m.ConversationId, m => new ConversationFact.Closed(m.Session, m.At), policy));

        // The schedule only lets through the wake-up whose token is the saga's current one; the session check
        // also drops a wake-up that was armed before a close and a reopen.
        During(Open,
            When(IdleTimeout.Received, c => c.Message.Session == c.Saga.Session)
                .Then(_ => metrics.Fired("idle_close"))
                .SendWhenSaved(c => Queues.ConversationCommandsAddress(c.Saga.ConversationId),
                    c => new CloseIdleConversationV2(c.Saga.ConversationId, c.Saga.Session, c.Message.DueAt, c.Saga.LastActivitySequence)),
            When(IdleWarning.Received, c => c.Message.Session == c.Saga.Session)
                .Then(_ => metrics.Fired("idle_warning"))
                .SendWhenSaved(c => Queues.ConversationCommandsAddress(c.Saga.ConversationId),
                    c => new PostSystemMessage(c.Saga.ConversationId, c.Saga.Session, SystemMessageKind.IdleWarning, policy.IdleWarningText,
                        c.Message.DueAt)),
            When(AgentWait.Received, c => c.Message.Session == c.Saga.Session && !c.Saga.AgentReplied)
                .Then(c => c.Saga.AgentWaitNotices++)
                .Then(_ => metrics.Fired("agent_wait"))
                .SendWhenSaved(c => Queues.ConversationCommandsAddress(c.Saga.ConversationId),
                    c => new PostSystemMessage(c.Saga.ConversationId, c.Saga.Session, SystemMessageKind.AgentWait, policy.AgentWaitText,
                        c.Message.DueAt))
                .If(c => policy.NextAgentWaitAt(c.Message.DueAt, c.Saga.AgentWaitNotices) is not null,
                    next => next.Schedule(AgentWait,
                        c => new AgentWaitElapsed(c.Saga.CorrelationId, c.Saga.Session, policy.NextAgentWaitAt(c.Message.DueAt, c.Saga.AgentWaitNotices)!.Value),
                        c => policy.NextAgentWaitAt(c.Message.DueAt, c.Saga.AgentWaitNotices)!.Value.UtcDateTime)));
    }

    private static void Wake<T>(IScheduleConfigurator<ConversationTimeout, T> schedule) where T : class, CorrelatedBy<Guid>
    {
        // Every wake-up is scheduled at an absolute time; this delay is never used.
        schedule.Delay = TimeSpan.FromMinutes(1);
        schedule.Received = e =>
        {
            e.CorrelateById(c => c.Message.CorrelationId);
            e.OnMissingInstance(m => m.Discard());
        };
    }

    private EventActivityBinder<ConversationTimeout, T> Track<T>(
        Event<T> @event, Func<T, string> conversationId, Func<T, ConversationFact> fact, TimerPolicy policy)
        where T : class =>
        When(@event, c => c.Saga.ToClock().After(fact(c.Message)) is not null)
            .Then(c =>
            {
                var before = c.Saga.ToClock();
                var after = before.After(fact(c.Message))!;
                c.Saga.ConversationId = conversationId(c.Message);
                c.Saga.Set(after);
                if (before.Opens(after))
                    c.Saga.SessionOpenedAt = fact(c.Message).At;
            })
            .IfElse(c => c.Saga.IsOpen,
                open => open
                    .If(c => policy.IdleCloseAt(c.Saga.ToClock()) is not null,
                        idle => idle.Schedule(IdleTimeout,
                            c => new IdleTimeoutElapsed(c.Saga.CorrelationId, c.Saga.Session, policy.IdleCloseAt(c.Saga.ToClock())!.Value),
                            c => policy.IdleCloseAt(c.Saga.ToClock())!.Value.UtcDateTime))
                    .If(c => policy.IdleWarningAt(c.Saga.ToClock()) is not null,
                        warn => warn.Schedule(IdleWarning,
                            c => new IdleWarningDue(c.Saga.CorrelationId, c.Saga.Session, policy.IdleWarningAt(c.Saga.ToClock())!.Value),
                            c => policy.IdleWarningAt(c.Saga.ToClock())!.Value.UtcDateTime))
                    // Armed once per session, from when it opened; repeats re-arm it as they fire.
                    .If(c => c.Saga.AgentWaitSession != c.Saga.Session
                             && policy.FirstAgentWaitAt(c.Saga.ToClock(), c.Saga.SessionOpenedAt) is not null,
                        wait => wait
                            .Then(c => (c.Saga.AgentWaitSession, c.Saga.AgentWaitNotices) = (c.Saga.Session, 0))
                            .Schedule(AgentWait,
                                c => new AgentWaitElapsed(c.Saga.CorrelationId, c.Saga.Session,
                                    policy.FirstAgentWaitAt(c.Saga.ToClock(), c.Saga.SessionOpenedAt)!.Value),
                                c => policy.FirstAgentWaitAt(c.Saga.ToClock(), c.Saga.SessionOpenedAt)!.Value.UtcDateTime))
                    .If(c => c.Saga.AgentReplied && c.Saga.AgentWaitTokenId is not null, stop => stop.Unschedule(AgentWait))
                    .TransitionTo(Open),
                closed => closed
                    .Unschedule(IdleTimeout)
                    .Unschedule(IdleWarning)
                    .Unschedule(AgentWait)
                    .TransitionTo(Closed));
}
