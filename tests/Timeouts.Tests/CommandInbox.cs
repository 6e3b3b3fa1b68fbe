using System.Collections.Concurrent;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Handoff.Timeouts.Tests;

/// <summary>Reads the <c>conversations-commands</c> queue of a test environment, as Conversations would.</summary>
public sealed class CommandInbox : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<(CloseIdleConversation Command, DateTimeOffset ReceivedAt)> _received = new();
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public static async Task<CommandInbox> OpenAsync(IsolatedEnvironment env)
    {
        var inbox = new CommandInbox();
        inbox._connection = await new ConnectionFactory { Uri = env.RabbitMqUri }.CreateConnectionAsync();
        inbox._channel = await inbox._connection.CreateChannelAsync();
        await inbox._channel.QueueDeclareAsync(Queues.ConversationCommands, durable: true, exclusive: false, autoDelete: false);
        var consumer = new AsyncEventingBasicConsumer(inbox._channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonDocument.Parse(delivery.Body);
            if (envelope.RootElement.GetProperty("messageType").EnumerateArray().Any(t => t.GetString()!.EndsWith(":CloseIdleConversation")))
                inbox._received.Enqueue((envelope.RootElement.GetProperty("message").Deserialize<CloseIdleConversation>(Json)!, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        await inbox._channel.BasicConsumeAsync(Queues.ConversationCommands, autoAck: true, consumer);
        return inbox;
    }

    public IReadOnlyList<(CloseIdleConversation Command, DateTimeOffset ReceivedAt)> For(string conversationId) =>
        _received.Where(r => r.Command.ConversationId == conversationId).ToList();

    public async Task<(CloseIdleConversation Command, DateTimeOffset ReceivedAt)> First(string conversationId, TimeSpan? timeout = null)
    {
        await Eventually.True(() => For(conversationId).Count > 0, timeout ?? TimeSpan.FromSeconds(15),
            $"a CloseIdleConversation for {conversationId}");
        return For(conversationId)[0];
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
