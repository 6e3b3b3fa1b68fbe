using Handoff.Gateway.Docs;
using Handoff.Gateway.Messaging;
using Handoff.Gateway.Proxy;
using Handoff.Gateway.Webhooks;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWebhooks();
builder.AddGatewayMessaging();
builder.AddConversationsProxy();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocsPage();
app.MapWebhooks();
app.MapReverseProxy();
app.Run();

public partial class Program;
