using Handoff.Contracts;
using MassTransit;

namespace Handoff.Outbound.Deliveries;

/// <summary>
/// Per-conversation order with concurrency across conversations. Each conversation always goes to the same lane queue,
/// picked by a stable hash of its id, and each lane is consumed strictly one message at a time by one consumer in the
/// whole deployment (RabbitMQ single active consumer). A conversation waiting on retries holds only its own lane.
/// MassTransit's UsePartitioner is not enough on its own here: with ConcurrentMessageLimit above 1 the RabbitMQ client
/// dispatches consecutive deliveries on parallel workers, and a later message can reach the partition first.
/// </summary>
public static class DeliveryLanes
{
    /// <summary>Changing it while lanes hold messages can reorder those conversations once: drain the lanes first.</summary>
    public const int Count = 8;

    public static string Queue(int lane) => $"{DeliveryRouterDefinition.Queue}-lane-{lane}";

    /// <summary>The lane's exchange, not its queue: a queue: address would declare the queue without its single-active-consumer flag.</summary>
    public static Uri Address(string conversationId) => new($"exchange:{Queue(For(conversationId))}");

    public static int For(string conversationId) => Lanes.Of(conversationId, Count);

    public static void ConfigureLanes(this IRabbitMqBusFactoryConfigurator bus, IBusRegistrationContext context)
    {
        for (var lane = 0; lane < Count; lane++)
            bus.ReceiveEndpoint(Queue(lane), endpoint =>
            {
                // Only the router sends here; bound to the event exchanges, every lane would get every message.
                endpoint.ConfigureConsumeTopology = false;
                endpoint.SingleActiveConsumer = true;
                endpoint.PrefetchCount = 16;
                endpoint.ConcurrentMessageLimit = 1;
                endpoint.ConfigureConsumer<DeliveryConsumer>(context);
            });
    }
}
