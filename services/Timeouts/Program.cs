using Handoff.ServiceDefaults;
using Handoff.Timeouts;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIdleTimeouts();
builder.AddTimeoutsStorage();
builder.AddPostgresScheduler();
builder.AddTimeoutsMessaging();

var app = builder.Build();
app.MapDefaultEndpoints();
// JasperFx's command line (db-apply, db-assert for deploy/k8s) only when a command is named. Anything else is a plain
// run, including the --key=value settings a WebApplicationFactory passes, which the command line would refuse.
if (args.FirstOrDefault() is { } command && !command.StartsWith('-'))
    return await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(app, args);
await app.RunAsync();
return 0;

public partial class Program;
