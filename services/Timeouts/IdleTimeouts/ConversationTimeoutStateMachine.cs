using Handoff.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// One idle timer per conversation: activity of the current session pushes it back, a close disarms it, and
/// when it runs out Conversations is asked to close the session. Whether to close stays Conversations' call.
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

    public ConversationTimeoutStateMachine(IOptions<IdleTimeoutOptions> options)
    {
        var idleTimeout = options.Value.IdleTimeout;
        InstanceState(x => x.CurrentState);

        Event(() => HandoffRequested, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => UserMessageReceived, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => AgentReplied, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));
        Event(() => ConversationClosed, e => e.CorrelateById(c => ConversationKey.For(c.Message.ConversationId)));

        Schedule(() => IdleTimeout, x => x.IdleTimeoutTokenId, s =>
        {
            s.Delay = idleTimeout;
            s.Received = e =>
            {
                e.CorrelateById(c => c.Message.CorrelationId);
                e.OnMissingInstance(m => m.Discard());
            };
        });
        // A wake-up that finds the conversation in a state that no longer wants it is stale, not an error.
        OnUnhandledEvent(x => x.Ignore());

        // Any event may be the first one seen (events of different types are not ordered), so each one can
        // create the saga, and each is handled the same way whatever the state.
        During(Initial, Open, Closed,
            Track(HandoffRequested, m => m.ConversationId, m => new ConversationFact.Activity(m.Session, m.At), idleTimeout),
            Track(UserMessageReceived, m => m.ConversationId, m => new ConversationFact.Activity(m.Session, m.At), idleTimeout),
            Track(AgentReplied, m => m.ConversationId, m => new ConversationFact.Activity(m.Session, m.At), idleTimeout),
            Track(ConversationClosed, m => m.ConversationId, m => new ConversationFact.Closed(m.Session, m.At), idleTimeout));

        // The schedule only lets through the wake-up whose token is the saga's current one; the session check
        // also drops a wake-up that was armed before a close and a reopen.
        During(Open,
            When(IdleTimeout.Received, c => c.Message.Session == c.Saga.Session)
                .Send(Queues.ConversationCommandsAddress,
                    c => new CloseIdleConversation(c.Saga.ConversationId, c.Saga.Session, c.Message.DueAt)));
    }

    private EventActivityBinder<ConversationTimeout, T> Track<T>(
        Event<T> @event, Func<T, string> conversationId, Func<T, ConversationFact> fact, TimeSpan idleTimeout)
        where T : class =>
        When(@event, c => c.Saga.ToClock().After(fact(c.Message)) is not null)
            .Then(c =>
            {
                c.Saga.ConversationId = conversationId(c.Message);
                c.Saga.Set(c.Saga.ToClock().After(fact(c.Message))!);
            })
            .IfElse(c => c.Saga.IsOpen,
                open => open
                    .Schedule(IdleTimeout,
                        c => new IdleTimeoutElapsed(c.Saga.CorrelationId, c.Saga.Session, c.Saga.ToClock().DueAt(idleTimeout)),
                        c => c.Saga.ToClock().DueAt(idleTimeout).UtcDateTime)
                    .TransitionTo(Open),
                closed => closed
                    .Unschedule(IdleTimeout)
                    .TransitionTo(Closed));
}
