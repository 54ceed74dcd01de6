using System.Buffers;
using ChatServer;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>The chat server's settings for Kestrel's socket transport (linked from the sample), as the transport reads them.</summary>
public class KestrelTransportSettingsTests
{
    [Fact]
    public void The_transport_gets_the_pool_of_32_KiB_blocks_and_room_for_four_64_KiB_messages_of_output()
    {
        var services = new ServiceCollection();
        KestrelTransportSettings.Apply(services);
        using ServiceProvider provider = services.BuildServiceProvider();

        long? outputLimit = provider.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxWriteBufferSize;
        Assert.Equal(4 * 64 * 1024, outputLimit);
        using MemoryPool<byte> pool = provider.GetRequiredService<IMemoryPoolFactory<byte>>().Create();
        Assert.Equal(LargeBlockMemoryPool.BlockSize, pool.MaxBufferSize);
    }

    [Fact]
    public void Kestrel_by_default_leaves_room_for_one_64_KiB_message_only_which_is_why_the_sample_sets_more()
    {
        Assert.Equal(64 * 1024, new SocketTransportOptions().MaxWriteBufferSize);
        Assert.True(KestrelTransportSettings.OutputBufferLimit > new SocketTransportOptions().MaxWriteBufferSize);
    }
}
