using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Handoff.Conversations.Conversations;

/// <summary>Folds a stream into <see cref="Conversation"/> for writes (live, never stored).</summary>
public partial class ConversationStateProjection : SingleStreamProjection<Conversation, string>
{
    public override Conversation Evolve(Conversation? snapshot, string id, IEvent e) =>
        (snapshot ?? Conversation.Initial(id)).Evolve(e.Data);
}
