using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Deliveries;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAltaBots();
builder.AddDeliveries();

var app = builder.Build();
app.MapDefaultEndpoints();
if (args is [var command, ..] && !command.StartsWith('-')) Environment.ExitCode = await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(app, args); else app.Run(); // a command (db-apply, db-assert) runs and exits

public partial class Program;
