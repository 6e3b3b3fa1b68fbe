using System.Collections.Concurrent;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Handoff.Timeouts.Tests;

/// <summary>Reads the <c>conversations-commands-N</c> lanes of a test environment, as Conversations would.</summary>
public sealed class CommandInbox : IAsyncDisposable
{
    /// <summary>The name of the inbox's own broker connection, so a test that cuts the service's connections spares it.</summary>
    public const string InboxConnectionName = "test-command-inbox";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<(CloseIdleConversationV2 Command, DateTimeOffset ReceivedAt)> _received = new();
    private readonly ConcurrentQueue<(PostSystemMessage Command, DateTimeOffset ReceivedAt)> _notices = new();
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public static async Task<CommandInbox> OpenAsync(IsolatedEnvironment env)
    {
        var inbox = new CommandInbox();
        inbox._connection = await new ConnectionFactory { Uri = env.RabbitMqUri, ClientProvidedName = InboxConnectionName }.CreateConnectionAsync();
        inbox._channel = await inbox._connection.CreateChannelAsync();
        var consumer = new AsyncEventingBasicConsumer(inbox._channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonDocument.Parse(delivery.Body);
            if (envelope.RootElement.GetProperty("messageType").EnumerateArray().Any(t => t.GetString()!.EndsWith(":CloseIdleConversationV2")))
                inbox._received.Enqueue((envelope.RootElement.GetProperty("message").Deserialize<CloseIdleConversationV2>(Json)!, DateTimeOffset.UtcNow));
            else if (envelope.RootElement.GetProperty("messageType").EnumerateArray().Any(t => t.GetString()!.EndsWith(":PostSystemMessage")))
                inbox._notices.Enqueue((envelope.RootElement.GetProperty("message").Deserialize<PostSystemMessage>(Json)!, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        // Declared as the service declares them (single active consumer), or RabbitMQ refuses the second declaration.
        for (var lane = 0; lane < Queues.ConversationCommandLanes; lane++)
        {
            var queue = Queues.ConversationCommandLane(lane);
            await inbox._channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
            await inbox._channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        }
        return inbox;
    }

    public IReadOnlyList<(CloseIdleConversationV2 Command, DateTimeOffset ReceivedAt)> For(string conversationId) =>
        _received.Where(r => r.Command.ConversationId == conversationId).ToList();

    /// <summary>The timers' notices to the user of a conversation, in the order they were sent.</summary>
    public IReadOnlyList<(PostSystemMessage Command, DateTimeOffset ReceivedAt)> NoticesFor(string conversationId) =>
        _notices.Where(r => r.Command.ConversationId == conversationId).ToList();

    public int ClosesSent => _received.Count;

    public async Task<(CloseIdleConversationV2 Command, DateTimeOffset ReceivedAt)> First(string conversationId, TimeSpan? timeout = null)
    {
        await Eventually.True(() => For(conversationId).Count > 0, timeout ?? TimeSpan.FromSeconds(15),
            $"a CloseIdleConversationV2 for {conversationId}");
        return For(conversationId)[0];
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
