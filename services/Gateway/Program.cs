using Handoff.Gateway.Docs;
using Handoff.Gateway.Errors;
using Handoff.Gateway.Messaging;
using Handoff.Gateway.Proxy;
using Handoff.Gateway.RateLimits;
using Handoff.Gateway.Webhooks;
using Handoff.Gateway.WebhookSecurity;
using Handoff.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWebhooks();
builder.AddWebhookSecurity();
builder.AddRateLimits();
builder.AddGatewayMessaging();
builder.AddApiProxy();

var app = builder.Build();
app.UseErrorShapes();
app.UseWebhookSecretInPath(); // before routing, which must not see the secret
app.UseRouting();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapApiDocsPage();
app.MapWebhooks();
app.MapApiProxy();
app.Run();

public partial class Program;
