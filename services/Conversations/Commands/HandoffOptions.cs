using System.ComponentModel.DataAnnotations;

namespace Handoff.Conversations.Commands;

public class HandoffOptions
{
    public const string Section = "Handoff";

    /// <summary>Sent at once on every new session: AltaBots drops a handoff with no human-side reply within 60 s.</summary>
    [Required, MinLength(1)]
    public string Greeting { get; set; } = "Thanks for reaching out! A member of our team will be with you shortly.";
}
