using System.Security.Cryptography;
using System.Text;

namespace Handoff.Timeouts.IdleTimeouts;

/// <summary>
/// The saga of a conversation is found by a name-based UUID (RFC 4122 version 5) of its AltaBots
/// <c>conversation_id</c>, so every event of the conversation correlates without a lookup table.
/// </summary>
public static class ConversationKey
{
    // Fixed forever: changing it would orphan every stored saga.
    private static readonly Guid Namespace = new("6f1f5c4e-8d0b-4a57-9a53-1d2c3e4f5a6b");

    public static Guid For(string conversationId)
    {
        var name = Encoding.UTF8.GetBytes(conversationId);
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);

        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
