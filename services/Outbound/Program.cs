using Handoff.Outbound.AltaBots;
using Handoff.Outbound.Deliveries;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAltaBots();
builder.AddDeliveries();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

public partial class Program;
