using Handoff.Conversations.Api;
using Handoff.Conversations.Commands;
using Handoff.Conversations.Metrics;
using Handoff.Conversations.Storage;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddConversationCommands();
builder.AddConversationStore();
builder.AddSupportFloorMetrics();
builder.AddAgentApi();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAgentApi();
if (args is [var command, ..] && !command.StartsWith('-')) Environment.ExitCode = await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(app, args); else app.Run(); // a command (db-apply, db-assert) runs and exits

public partial class Program;
