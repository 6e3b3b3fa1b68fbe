using Handoff.Timeouts.IdleTimeouts;

namespace Handoff.Timeouts.Tests;

public class ConversationKeyTests
{
    [Fact]
    public void Key_is_the_rfc_4122_name_based_uuid_of_the_conversation_id() =>
        // Python: uuid.uuid5(UUID('6f1f5c4e-8d0b-4a57-9a53-1d2c3e4f5a6b'), '67d8db020fa31d1ef64f53dg')
        Assert.Equal(new Guid("799c5591-a235-5ece-b7f5-136d6f705541"), ConversationKey.For("67d8db020fa31d1ef64f53dg"));

    [Fact]
    public void Different_conversations_get_different_keys() =>
        Assert.NotEqual(ConversationKey.For("conversation-a"), ConversationKey.For("conversation-A"));
}
