using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using MassTransit.Serialization;
using RabbitMQ.Client;

namespace Handoff.Gateway.Tests;

/// <summary>Reads <c>conversations-commands</c> as Conversations would see it: MassTransit envelopes, taken one by one.</summary>
public sealed class CommandQueue(IConnection connection, IChannel channel) : IAsyncDisposable
{
    public static async Task<CommandQueue> ConnectAsync(Uri rabbitMq)
    {
        var connection = await new ConnectionFactory { Uri = rabbitMq }.CreateConnectionAsync();
        return new CommandQueue(connection, await connection.CreateChannelAsync());
    }

    /// <summary>
    /// Takes messages off the queue until the one of <typeparamref name="T"/> for <paramref name="conversationId"/> arrives,
    /// and returns it with every command taken before it.
    /// </summary>
    public async Task<(T Command, IReadOnlyList<(string Type, string ConversationId)> Before)> TakeUntilAsync<T>(string conversationId)
        where T : class
    {
        var before = new List<(string Type, string ConversationId)>();
        var found = await Eventually.Get(async () =>
        {
            while (await channel.BasicGetAsync(Queues.ConversationCommands, autoAck: true) is { } delivery)
            {
                using var envelope = JsonDocument.Parse(delivery.Body);
                var type = envelope.RootElement.GetProperty("messageType")[0].GetString()!;
                var message = envelope.RootElement.GetProperty("message");
                var id = message.GetProperty("conversationId").GetString()!;
                if (type == $"urn:message:Handoff.Contracts:{typeof(T).Name}" && id == conversationId)
                    return message.Deserialize<T>(SystemTextJsonMessageSerializer.Options);
                before.Add((type, id));
            }
            return null;
        }, TimeSpan.FromSeconds(10), $"{typeof(T).Name} for {conversationId} in {Queues.ConversationCommands}");
        return (found, before);
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
