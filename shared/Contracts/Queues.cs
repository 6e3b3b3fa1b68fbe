using System.Text;

namespace Handoff.Contracts;

/// <summary>Queue names are wire format too: senders address them directly, so a rename is a breaking change.</summary>
public static class Queues
{
    public const string ConversationCommands = "conversations-commands";

    /// <summary>
    /// Commands are split over this many lanes by conversation id. Each lane has one active consumer in the whole
    /// deployment (RabbitMQ single active consumer) taking one command at a time, so one conversation's commands are
    /// decided in the order they were accepted, whatever the number of Conversations replicas, while the other lanes
    /// go on. Changing it while lanes hold messages can reorder those conversations once: drain them first.
    /// </summary>
    public const int ConversationCommandLanes = 8;

    public static string ConversationCommandLane(int lane) => $"{ConversationCommands}-{lane}";

    /// <summary>
    /// Where a command for <paramref name="conversationId"/> goes. The queue: address makes a sender declare the lane
    /// (so nothing is lost before Conversations first starts), and declare it exactly as its consumer does.
    /// </summary>
    public static Uri ConversationCommandsAddress(string conversationId) =>
        new($"queue:{ConversationCommandLane(Lanes.Of(conversationId, ConversationCommandLanes))}?singleactiveconsumer=true");
}

public static class Lanes
{
    /// <summary>FNV-1a over the UTF-8 bytes: unlike string.GetHashCode it is the same in every process, which every replica needs.</summary>
    public static int Of(string key, int count)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
            hash = (hash ^ b) * 16777619u;
        return (int)(hash % (uint)count);
    }
}
