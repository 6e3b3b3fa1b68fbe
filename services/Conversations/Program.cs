using Handoff.Conversations.Api;
using Handoff.Conversations.Commands;
using Handoff.Conversations.Storage;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddConversationCommands();
builder.AddConversationStore();
builder.AddAgentApi();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAgentApi();
app.Run();

public partial class Program;
