using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Handoff.Deployment.Tests;

/// <summary>
/// docker-compose.yml agrees with the code it runs and with <c>./dev up</c>, which fills in its variables. No Docker
/// engine runs where these tests do, so the file is read, not run.
/// </summary>
public partial class ComposeTests
{
    private static readonly Dictionary<object, object> Services = Load();

    public static TheoryData<string> HandoffServices => new(Repository.Services);

    [Theory]
    [MemberData(nameof(HandoffServices))]
    public void Every_setting_compose_gives_a_service_is_one_its_code_reads(string service)
    {
        var keys = SourceFacts.ConfigurationKeys(service);

        var unread = Environment(service).Keys.Where(k => !keys.Reads(k)).ToList();

        Assert.Empty(unread);
    }

    [Fact]
    public void The_gateway_authenticates_webhooks_unless_dev_up_turns_it_off_and_dev_up_sets_both_variables()
    {
        var gateway = Environment("Gateway");
        var secret = gateway["Gateway__Webhooks__Secrets__0"];
        var off = gateway["Gateway__Webhooks__AllowUnauthenticated"];

        // With no variable set, as when someone runs `docker compose up` by hand: no secret, and authentication not
        // off, so the Gateway refuses to start rather than accept anyone's webhooks.
        Assert.Equal("", Resolve(secret, []));
        Assert.Equal("false", Resolve(off, []));

        var exported = CommandBody("compose_up").Split('\n').Where(l => l.TrimStart().StartsWith("export ")).SelectMany(l => Assigned().Matches(l))
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains(Variable(secret), exported);
        Assert.Contains(Variable(off), exported);
    }

    private static Dictionary<string, string> Environment(string service) =>
        ((Dictionary<object, object>)((Dictionary<object, object>)Services[service.ToLowerInvariant()])["environment"])
            .ToDictionary(kv => (string)kv.Key, kv => kv.Value as string ?? "");

    private static Dictionary<object, object> Load()
    {
        // The services share settings through anchors and merge keys (<<: *common), which the merging parser expands.
        using var reader = new StringReader(File.ReadAllText(Repository.Path("docker-compose.yml")));
        var compose = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return (Dictionary<object, object>)compose["services"];
    }

    /// <summary>Compose's <c>${NAME:-default}</c> and <c>${NAME}</c>, the forms the file uses.</summary>
    private static string Resolve(string value, Dictionary<string, string> variables) =>
        Interpolation().Replace(value, m => variables.GetValueOrDefault(m.Groups[1].Value) is { Length: > 0 } set ? set : m.Groups[3].Value);

    private static string Variable(string value) => Assert.Single(Interpolation().Matches(value)).Groups[1].Value;

    /// <summary>The body of a shell function in <c>dev</c>, from its name to the closing brace at the start of a line.</summary>
    private static string CommandBody(string function)
    {
        var dev = File.ReadAllText(Repository.Path("dev"));
        var start = dev.IndexOf($"\n{function}() {{", StringComparison.Ordinal);
        Assert.True(start >= 0, $"dev has no function {function}");
        return dev[start..dev.IndexOf("\n}", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"\$\{(\w+)(:-([^}]*))?\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"\b(\w+)=")]
    private static partial Regex Assigned();
}
