using System.ComponentModel.DataAnnotations;
using Handoff.Gateway.WebhookSecurity;

namespace Handoff.Gateway.Tests.Security;

public sealed class WebhookSecurityOptionsTests
{
    private static List<ValidationResult> Validate(WebhookSecurityOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Without_secrets_the_Gateway_refuses_to_start_unless_told_to_accept_anyone()
    {
        Assert.Contains(Validate(new WebhookSecurityOptions()), r => r.ErrorMessage!.Contains("AllowUnauthenticated=true"));
        Assert.Empty(Validate(new WebhookSecurityOptions { AllowUnauthenticated = true }));
    }

    [Fact]
    public void A_blank_secret_is_no_secret_and_never_turns_authentication_off()
    {
        var blankOnly = new WebhookSecurityOptions { Secrets = ["", "  "], SigningSecrets = [" "] };
        var error = Assert.Single(Validate(blankOnly));
        Assert.Contains("Gateway:Webhooks:Secrets:0, Gateway:Webhooks:Secrets:1, Gateway:Webhooks:SigningSecrets:0 are empty", error.ErrorMessage);
        Assert.Contains("AllowUnauthenticated=true", error.ErrorMessage);
        Assert.False(blankOnly.AuthenticationOff);

        var besideReal = new WebhookSecurityOptions { Secrets = ["", "real-secret-0123456789abcdefghij", " "] };
        Assert.Empty(Validate(besideReal));
        Assert.Equal(["real-secret-0123456789abcdefghij"], besideReal.ActiveSecrets());

        var off = new WebhookSecurityOptions { Secrets = [""], AllowUnauthenticated = true };
        Assert.Empty(Validate(off));
        Assert.True(off.AuthenticationOff);
        // A secret in force wins over the switch: authentication stays on.
        Assert.False(new WebhookSecurityOptions { Secrets = ["real-secret-0123456789abcdefghij"], AllowUnauthenticated = true }.AuthenticationOff);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has/a/slash/in-it-0123456789abcdef")]
    [InlineData("has a space 0123456789abcdefghijk")]
    public void A_secret_that_is_short_or_not_url_safe_is_refused_without_being_echoed(string secret)
    {
        var errors = Validate(new WebhookSecurityOptions { Secrets = [secret] });

        var error = Assert.Single(errors);
        Assert.DoesNotContain(secret, error.ErrorMessage);
    }
}
