using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Deliveries;
using Handoff.Outbound.Operations;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAltaBots();
builder.AddDeliveries();
builder.AddDeliveriesApi();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDeliveriesApi();
if (args is [var command, ..] && !command.StartsWith('-')) Environment.ExitCode = await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(app, args); else app.Run(); // a command (db-apply, db-assert) runs and exits

public partial class Program;
