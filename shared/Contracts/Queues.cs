namespace Handoff.Contracts;

/// <summary>Queue names are wire format too: senders address them directly, so a rename is a breaking change.</summary>
public static class Queues
{
    /// <summary>Every command for a conversation goes to this one queue, so commands of one conversation keep their order.</summary>
    public const string ConversationCommands = "conversations-commands";

    public static Uri ConversationCommandsAddress { get; } = new($"queue:{ConversationCommands}");
}
