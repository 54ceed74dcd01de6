using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Tests.Connection;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>FsCheck: compressed messages round-trip through two connections for every parameter combination and any chunking.</summary>
public class PerMessageDeflateProperties
{
    /// <summary>A message as a test describes it.</summary>
    public sealed record MessageSpec(WebSocketMessageType Type, byte[] Payload)
    {
        public override string ToString() => $"{Type} {Payload.Length} B";
    }

    /// <summary>The agreed parameters and how the sender sends.</summary>
    public sealed record Setup(bool ServerNoTakeover, bool ClientNoTakeover, int ServerBits, int ClientBits, int Threshold, int FragmentSize, WebSocketRole Sender, bool Streamed)
    {
        public override string ToString() =>
            $"server_no_ctx={ServerNoTakeover} client_no_ctx={ClientNoTakeover} bits={ServerBits}/{ClientBits} threshold={Threshold} fragment={FragmentSize} sender={Sender} streamed={Streamed}";
    }

    private static readonly string[] Words = { "chat ", "room ", "wörld ", "😀", "{\"a\":1}", "deflate ", "\n", "message " };

    private static readonly Gen<byte[]> Payloads =
        from kind in Gen.Choose(0, 2)
        from length in Gen.Frequency((5, Gen.Choose(0, 200)), (3, Gen.Choose(200, 5000)), (1, Gen.Choose(30_000, 70_000)))
        from seed in Gen.Choose(0, 1000)
        select Payload(kind, length, seed);

    private static readonly Gen<MessageSpec> Messages =
        from binary in ArbMap.Default.GeneratorFor<bool>()
        from payload in Payloads
        select binary ? new MessageSpec(WebSocketMessageType.Binary, payload) : new MessageSpec(WebSocketMessageType.Text, ToText(payload));

    private static readonly Gen<Setup> Setups =
        from serverNoTakeover in ArbMap.Default.GeneratorFor<bool>()
        from clientNoTakeover in ArbMap.Default.GeneratorFor<bool>()
        from serverBits in Gen.Choose(8, 15)
        from clientBits in Gen.Choose(8, 15)
        from threshold in Gen.Elements(0, 32, 1000)
        from fragment in Gen.Elements(0, 0, 100, 4096)
        from sender in Gen.Elements(WebSocketRole.Client, WebSocketRole.Server)
        from streamed in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new Setup(serverNoTakeover, clientNoTakeover, serverBits, clientBits, threshold, fragment, sender, streamed);

    private static readonly Gen<int[]> ChunkSizes = Gen.Choose(1, 3000).ArrayOf().Select(a => a.Length == 0 ? new[] { 1 } : a);

    /// <summary>Random bytes, runs, or repetitive words: incompressible, highly compressible and in between.</summary>
    private static byte[] Payload(int kind, int length, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        switch (kind)
        {
            case 0:
                random.NextBytes(bytes);
                break;
            case 1:
                for (int i = 0; i < length; i++)
                {
                    bytes[i] = (byte)((i / (1 + (seed % 50))) % 3);
                }

                break;
            default:
                var text = new StringBuilder();
                while (text.Length < length)
                {
                    text.Append(Words[random.Next(Words.Length)]);
                }

                Encoding.UTF8.GetBytes(text.ToString()).AsSpan(0, length).CopyTo(bytes);
                break;
        }

        return bytes;
    }

    /// <summary>The longest prefix that is whole UTF-8, for text messages (binary content becomes its valid part).</summary>
    private static byte[] ToText(byte[] payload)
    {
        string text = new UTF8Encoding(false, false).GetString(payload).Replace("\uFFFD", string.Empty, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    [Property(MaxTest = 120)]
    public Property Any_messages_round_trip_compressed_with_any_parameters_across_any_chunking() =>
        Prop.ForAll(
            (from setup in Setups
             from messages in Messages.ListOf().Select(l => l.Take(8).ToArray())
             from chunks in ChunkSizes
             select (setup, messages, chunks)).ToArbitrary(),
            input =>
            {
                var (setup, messages, chunks) = input;
                return RoundTripAsync(setup, messages, chunks).GetAwaiter().GetResult();
            });

    private static async Task<bool> RoundTripAsync(Setup setup, MessageSpec[] messages, int[] chunkSizes)
    {
        var options = new PerMessageDeflateOptions
        {
            ServerNoContextTakeover = setup.ServerNoTakeover,
            ClientNoContextTakeover = setup.ClientNoTakeover,
            ServerMaxWindowBits = setup.ServerBits,
            ClientMaxWindowBits = setup.ClientBits,
            CompressionThreshold = setup.Threshold,
        };
        var (_, _, server, client) = DeflateNegotiation.Agree(options, options);
        WebSocketRole receiverRole = setup.Sender == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;

        // The sender writes into a pipe that is read whole afterwards: the wire, to be cut into chunks.
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var senderOptions = ConnectionPair.Quiet(setup.Sender);
        senderOptions.FragmentSize = setup.FragmentSize;
        senderOptions.MaxMessageSize = 1 << 20;
        using (var sender = new WebSocketConnection(new Pipe().Reader, wire.Writer, senderOptions, extensions: new[] { setup.Sender == WebSocketRole.Server ? server : client }))
        {
            foreach (MessageSpec message in messages)
            {
                if (setup.Streamed)
                {
                    // Three uneven parts, the middle one possibly empty.
                    int first = message.Payload.Length / 3;
                    int second = message.Payload.Length / 2;
                    await sender.SendFragmentAsync(message.Payload.AsMemory(0, first), message.Type, endOfMessage: false);
                    await sender.SendFragmentAsync(message.Payload.AsMemory(first, second - first), message.Type, endOfMessage: false);
                    await sender.SendFragmentAsync(message.Payload.AsMemory(second), message.Type, endOfMessage: true);
                }
                else
                {
                    await sender.SendAsync(message.Payload, message.Type);
                }
            }
        }

        ReadResult read = await wire.Reader.ReadAsync();
        byte[] bytes = System.Buffers.BuffersExtensions.ToArray(read.Buffer);
        wire.Reader.AdvanceTo(read.Buffer.End);

        var receiverOptions = ConnectionPair.Quiet(receiverRole);
        receiverOptions.MaxMessageSize = 1 << 20;
        var input = new ChunkedPipeReader(SegmentedSequence.Split(bytes, Enumerable.Repeat(chunkSizes, int.MaxValue).SelectMany(s => s)));
        using var receiver = new WebSocketConnection(input, new Pipe(new PipeOptions(pauseWriterThreshold: 0)).Writer, receiverOptions, extensions: new[] { receiverRole == WebSocketRole.Server ? server : client });
        foreach (MessageSpec message in messages)
        {
            WebSocketMessage received = await receiver.ReceiveMessageAsync();
            if (received.MessageType != message.Type || !received.Data.Span.SequenceEqual(message.Payload))
            {
                return false;
            }
        }

        return true;
    }
}
