using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using MassTransit.Serialization;
using RabbitMQ.Client;

namespace Handoff.Gateway.Tests;

/// <summary>Reads the <c>conversations-commands-N</c> lanes as Conversations would see them: MassTransit envelopes, taken one by one.</summary>
public sealed class CommandQueue(IConnection connection, IChannel channel) : IAsyncDisposable
{
    public static async Task<CommandQueue> ConnectAsync(Uri rabbitMq)
    {
        var connection = await new ConnectionFactory { Uri = rabbitMq }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        // Every lane exists before it is read (a get on a missing queue closes the channel), declared as the
        // Gateway and Conversations declare them.
        for (var lane = 0; lane < Queues.ConversationCommandLanes; lane++)
            await channel.QueueDeclareAsync(Queues.ConversationCommandLane(lane), durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        return new CommandQueue(connection, channel);
    }

    /// <summary>
    /// Takes every command off every lane until the one of <typeparamref name="T"/> for <paramref name="conversationId"/>
    /// has arrived, and returns it with every other command taken (commands are ordered within a conversation's
    /// lane only, so "other" means enqueued anywhere, before or beside it).
    /// </summary>
    public async Task<(T Command, IReadOnlyList<(string Type, string ConversationId)> Before)> TakeUntilAsync<T>(string conversationId)
        where T : class
    {
        var before = new List<(string Type, string ConversationId)>();
        T? wanted = null;
        var found = await Eventually.Get(async () =>
        {
            for (var lane = 0; lane < Queues.ConversationCommandLanes; lane++)
                while (await channel.BasicGetAsync(Queues.ConversationCommandLane(lane), autoAck: true) is { } delivery)
                {
                    using var envelope = JsonDocument.Parse(delivery.Body);
                    var type = envelope.RootElement.GetProperty("messageType")[0].GetString()!;
                    var message = envelope.RootElement.GetProperty("message");
                    var id = message.GetProperty("conversationId").GetString()!;
                    if (wanted is null && type == $"urn:message:Handoff.Contracts:{typeof(T).Name}" && id == conversationId)
                        wanted = message.Deserialize<T>(SystemTextJsonMessageSerializer.Options);
                    else
                        before.Add((type, id));
                }
            return wanted;
        }, TimeSpan.FromSeconds(10), $"{typeof(T).Name} for {conversationId} in {Queues.ConversationCommands}-N");
        return (found, before);
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
