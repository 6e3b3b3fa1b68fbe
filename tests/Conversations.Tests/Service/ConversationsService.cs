using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Contracts;
using Handoff.Testing;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Conversations.Tests.Service;

/// <summary>
/// The Conversations service hosted in its own vhost and schema, plus an observer bus bound to every
/// integration event it publishes.
/// </summary>
public class ConversationsService : IsolatedEnvironment
{
    public const string Greeting = "Hi! A person will be with you soon.";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    public ObservedEvents Observed { get; } = new();
    private IBusControl observer = null!;

    /// <summary>Settings a derived fixture adds, ASP.NET key style.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        observer = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(RabbitMqUri);
            cfg.ReceiveEndpoint("observer", e =>
            {
                // One at a time, so the recorded order is the order the broker delivered.
                e.ConcurrentMessageLimit = 1;
                e.Consumer(() => new Recorder(Observed));
            });
        });
        await observer.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in ServiceConfiguration("conversations"))
                builder.UseSetting(key, value);
            builder.UseSetting("Auth:SigningKey", DevToken.TestSigningKey);
            builder.UseSetting("Handoff:Greeting", Greeting);
            foreach (var (key, value) in Settings)
                builder.UseSetting(key, value);
        });
        Factory.CreateClient().Dispose();
    }

    public override async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await observer.StopAsync();
        await base.DisposeAsync();
    }

    /// <summary>A client with a supervisor's token (sees every conversation) unless a role and bots are given.</summary>
    public HttpClient Agent(string agentId = "agent-1", string? role = DevToken.Supervisor, params string[] bots)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", DevToken.Create(agentId, role: role, bots: bots.Length > 0 ? bots : null));
        return client;
    }

    public async Task Send<T>(T command) where T : class
    {
        var conversationId = (string)typeof(T).GetProperty(nameof(PostUserMessage.ConversationId))!.GetValue(command)!;
        var endpoint = await Factory.Services.GetRequiredService<IBus>().GetSendEndpoint(Queues.ConversationCommandsAddress(conversationId));
        await endpoint.Send(command);
    }

    /// <summary>Waits until the conversation view satisfies <paramref name="condition"/>, through the API as an agent sees it.</summary>
    public async Task<JsonElement> ViewWhen(string conversationId, Func<JsonElement, bool> condition, string because)
    {
        using var client = Agent();
        return (await Eventually.Get<Box>(async () =>
        {
            var response = await client.GetAsync($"/api/conversations/{Uri.EscapeDataString(conversationId)}");
            if (!response.IsSuccessStatusCode) return null;
            var view = await response.Content.ReadFromJsonAsync<JsonElement>();
            return condition(view) ? new Box(view) : null;
        }, because: because)).Value;
    }

    private sealed record Box(JsonElement Value);

    public static EstablishConversation Establish(string conversationId, DateTimeOffset at, params BotTurn[] history) =>
        new(conversationId, "bot-1", at, "bob@example.com", new UserInfo("u-1", "anon-1", "bob@example.com", null), history);

    public static string NewId() => "c-" + Guid.NewGuid().ToString("N")[..10];
}

public record Observed(Guid? MessageId, object Message);

public class ObservedEvents
{
    private readonly ConcurrentQueue<Observed> all = new();

    public void Add(Observed observed) => all.Enqueue(observed);

    public IReadOnlyList<Observed> For(string conversationId) =>
        all.Where(o => ConversationIdOf(o.Message) == conversationId).ToList();

    private static string ConversationIdOf(object message) => message switch
    {
        HandoffRequested m => m.ConversationId,
        UserMessageReceived m => m.ConversationId,
        AgentAssigned m => m.ConversationId,
        AgentReplied m => m.ConversationId,
        SystemMessageSent m => m.ConversationId,
        ConversationClosed m => m.ConversationId,
        _ => "",
    };
}

public class Recorder(ObservedEvents observed) :
    IConsumer<HandoffRequested>, IConsumer<UserMessageReceived>, IConsumer<AgentAssigned>,
    IConsumer<AgentReplied>, IConsumer<SystemMessageSent>, IConsumer<ConversationClosed>
{
    public Task Consume(ConsumeContext<HandoffRequested> context) => Record(context);
    public Task Consume(ConsumeContext<UserMessageReceived> context) => Record(context);
    public Task Consume(ConsumeContext<AgentAssigned> context) => Record(context);
    public Task Consume(ConsumeContext<AgentReplied> context) => Record(context);
    public Task Consume(ConsumeContext<SystemMessageSent> context) => Record(context);
    public Task Consume(ConsumeContext<ConversationClosed> context) => Record(context);

    private Task Record<T>(ConsumeContext<T> context) where T : class
    {
        observed.Add(new Observed(context.MessageId, context.Message));
        return Task.CompletedTask;
    }
}
