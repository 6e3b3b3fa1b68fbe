using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Handoff.Gateway.Tests.Proxy;

/// <summary>The Gateway in front of stand-in Conversations and Outbound services listening on real ports.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private WebApplication _upstream = null!;
    private WebApplication _outbound = null!;
    private WebApplicationFactory<Program> _gateway = null!;

    public sealed record Seen(string Path, string Query, string Method, string Authorization, string Body);

    /// <summary>The response header in which each stand-in names itself.</summary>
    private const string StandIn = "X-Stand-In";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _upstream = builder.Build();
        // Refusals as a destination's server or a library may answer them: a status alone, plain text, or the API's shape.
        _upstream.Map("/api/bare/{status:int}", (int status) => Results.StatusCode(status));
        _upstream.Map("/api/text/{status:int}", (int status) => Results.Text("No OpenAPI document with the name 'v2' was found.", statusCode: status));
        _upstream.Map("/api/json/{status:int}", (int status) => Results.Json(new { code = "conversation_closed", message = "The conversation is closed." }, statusCode: status));
        _upstream.Map("/api/{**rest}", async (HttpRequest r) =>
        {
            r.HttpContext.Response.Headers[StandIn] = "conversations";
            return Results.Json(new Seen(
                r.Path, r.QueryString.Value ?? "", r.Method, r.Headers.Authorization.ToString(), await new StreamReader(r.Body).ReadToEndAsync()));
        });
        await _upstream.StartAsync();

        var outbound = WebApplication.CreateSlimBuilder();
        outbound.WebHost.UseUrls("http://127.0.0.1:0");
        _outbound = outbound.Build();
        _outbound.Map("/{**rest}", async (HttpRequest r) =>
        {
            r.HttpContext.Response.Headers[StandIn] = "outbound";
            return Results.Json(new Seen(
                r.Path, r.QueryString.Value ?? "", r.Method, r.Headers.Authorization.ToString(), await new StreamReader(r.Body).ReadToEndAsync()));
        });
        await _outbound.StartAsync();

        _gateway = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["ReverseProxy:Clusters:conversations:Destinations:primary:Address"] = _upstream.Urls.Single(),
            ["ReverseProxy:Clusters:outbound:Destinations:primary:Address"] = _outbound.Urls.Single(),
        });
    }

    [Fact]
    public async Task Agent_api_calls_reach_conversations_unchanged()
    {
        var client = _gateway.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/conversations/67d8db020fa31d1ef64f53dg/replies?x=1")
        {
            Content = new StringContent("""{"text":"hello"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "agent-token");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            new Seen("/api/conversations/67d8db020fa31d1ef64f53dg/replies", "?x=1", "POST", "Bearer agent-token", """{"text":"hello"}"""),
            await response.Content.ReadFromJsonAsync<Seen>());
    }

    [Fact]
    public async Task Operator_calls_reach_outbound_and_agent_calls_still_reach_conversations()
    {
        var client = _gateway.CreateClient();

        async Task<(string Service, Seen Seen)> Call(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "supervisor-token");
            var response = (await client.SendAsync(request)).EnsureSuccessStatusCode();
            return (response.Headers.GetValues(StandIn).Single(), (await response.Content.ReadFromJsonAsync<Seen>())!);
        }

        Assert.Equal(("outbound", new Seen("/api/deliveries", "?status=failed&limit=5", "GET", "Bearer supervisor-token", "")),
            await Call(HttpMethod.Get, "/api/deliveries?status=failed&limit=5"));
        Assert.Equal(("outbound", new Seen("/api/deliveries/0f8fad5b-d9cb-469f-a165-70867728950e/replay", "", "POST", "Bearer supervisor-token", "")),
            await Call(HttpMethod.Post, "/api/deliveries/0f8fad5b-d9cb-469f-a165-70867728950e/replay"));
        Assert.Equal("outbound", (await Call(HttpMethod.Post, "/api/deliveries/replay?since=2025-11-25T09:30:00Z")).Service);
        Assert.Equal("outbound", (await Call(HttpMethod.Get, "/api/deliveries/openapi/v1.json")).Service);

        // Everything else under /api stays with Conversations, a path that merely starts with "deliveries" included.
        Assert.Equal(("conversations", "/api/conversations"), Where(await Call(HttpMethod.Get, "/api/conversations?status=waiting")));
        Assert.Equal(("conversations", "/api/conversations/abc/close"), Where(await Call(HttpMethod.Post, "/api/conversations/abc/close")));
        Assert.Equal(("conversations", "/api/openapi/v1.json"), Where(await Call(HttpMethod.Get, "/api/openapi/v1.json")));
        Assert.Equal(("conversations", "/api/deliveriesx"), Where(await Call(HttpMethod.Get, "/api/deliveriesx")));

        static (string, string) Where((string Service, Seen Seen) call) => (call.Service, call.Seen.Path);
    }

    [Fact]
    public async Task The_docs_page_reads_the_agent_api_document_through_the_proxy()
    {
        var client = _gateway.CreateClient();

        var page = await client.GetAsync("/docs/index.html");
        var pageScript = await client.GetStringAsync("/docs/index.js");
        var document = await client.GetAsync("/api/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<div id=\"swagger-ui\">", await page.Content.ReadAsStringAsync());
        Assert.Contains("\"url\":\"/api/openapi/v1.json\"", pageScript);
        Assert.Equal("/api/openapi/v1.json", (await document.Content.ReadFromJsonAsync<Seen>())!.Path);
        Assert.Contains("\"url\":\"/api/deliveries/openapi/v1.json\"", pageScript);
    }

    [Fact]
    public async Task Webhook_paths_are_not_proxied()
    {
        var client = _gateway.CreateClient();

        var response = await client.PostAsync("/chat", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    public sealed record Error(string Code, string Message);

    [Theory]
    [InlineData("/api/bare/431", 431, "request_header_fields_too_large")]
    [InlineData("/api/bare/414", 414, "uri_too_long")]
    [InlineData("/api/text/404", 404, "not_found")]
    public async Task A_refusal_from_behind_the_proxy_without_a_json_body_is_answered_in_the_api_shape_with_its_status(string path, int status, string code)
    {
        var response = await _gateway.CreateClient().GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<Error>())!.Code);
    }

    [Fact]
    public async Task A_refusal_in_the_api_shape_passes_through_untouched()
    {
        var response = await _gateway.CreateClient().GetAsync("/api/json/409");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("""{"code":"conversation_closed","message":"The conversation is closed."}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_header_value_in_utf8_is_forwarded_as_it_came_not_refused_with_a_502()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer ünïcödé");

        var response = await _gateway.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer ünïcödé", (await response.Content.ReadFromJsonAsync<Seen>())!.Authorization);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("text/plain; charset=\"\"")]
    public async Task A_body_in_a_charset_other_than_utf8_gets_415_and_is_not_proxied(string contentType)
    {
        var content = new ByteArrayContent("""{"text":"hello"}"""u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _gateway.CreateClient().PostAsync("/api/conversations/abc/messages", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(new Error("unsupported_media_type", "The request body must be JSON in UTF-8."), await response.Content.ReadFromJsonAsync<Error>());
    }

    [Fact]
    public async Task Agent_api_calls_get_502_not_500_when_conversations_is_down()
    {
        await using var gateway = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["ReverseProxy:Clusters:conversations:Destinations:primary:Address"] = "http://127.0.0.1:1/",
        });

        var response = await gateway.CreateClient().GetAsync("/api/conversations");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("bad_gateway", (await response.Content.ReadFromJsonAsync<Error>())!.Code);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _outbound.DisposeAsync();
    }
}
