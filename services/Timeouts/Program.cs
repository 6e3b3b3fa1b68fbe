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
app.Run();

public partial class Program;
