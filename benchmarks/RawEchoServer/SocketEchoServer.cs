using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks.RawEchoServer;

/// <summary>
/// The raw-TCP bound without Kestrel and without pipes (<c>--sockets</c>): a socket per connection with one receive
/// buffer and one send buffer, the same upgrade and the same unchecked echo as <see cref="RawEchoConnectionHandler"/>,
/// one send per receive. Against the pipe bound it shows what Kestrel's transport and the pipes add to a small echo.
/// Frames must fit the receive buffer; the load tool's do.
/// </summary>
internal static class SocketEchoServer
{
    private const int BufferSize = 256 * 1024;

    public static async Task<int> RunAsync(int port)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1024);
        using var stopping = new CancellationTokenSource();
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        Console.WriteLine($"Listening on http://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            while (true)
            {
                Socket socket = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
                socket.NoDelay = true;
                _ = Task.Run(() => ServeAsync(socket));
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            byte[] input = new byte[BufferSize];
            byte[] output = new byte[BufferSize];
            try
            {
                int buffered = await UpgradeAsync(socket, input).ConfigureAwait(false);
                while (buffered >= 0)
                {
                    (int consumed, int written, bool closed) = EchoFrames(input.AsSpan(0, buffered), output);
                    for (int sent = 0; sent < written;)
                    {
                        sent += await socket.SendAsync(output.AsMemory(sent, written - sent)).ConfigureAwait(false);
                    }

                    if (closed)
                    {
                        return;
                    }

                    input.AsSpan(consumed, buffered - consumed).CopyTo(input);
                    buffered -= consumed;
                    int received = await socket.ReceiveAsync(input.AsMemory(buffered)).ConfigureAwait(false);
                    buffered = received == 0 ? -1 : buffered + received;
                }
            }
            catch (SocketException)
            {
                // The load tool hung up.
            }
        }
    }

    /// <summary>Reads the request head and answers 101; the bytes after the head stay at the start of <paramref name="input"/>.</summary>
    private static async Task<int> UpgradeAsync(Socket socket, byte[] input)
    {
        int buffered = 0;
        while (true)
        {
            int received = await socket.ReceiveAsync(input.AsMemory(buffered)).ConfigureAwait(false);
            if (received == 0)
            {
                return -1;
            }

            buffered += received;
            int end = input.AsSpan(0, buffered).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                byte[]? response = RawEchoConnectionHandler.UpgradeResponse(Encoding.ASCII.GetString(input, 0, end + 4));
                if (response is null)
                {
                    return -1;
                }

                await socket.SendAsync(response).ConfigureAwait(false);
                input.AsSpan(end + 4, buffered - end - 4).CopyTo(input);
                return buffered - end - 4;
            }

            if (buffered == input.Length)
            {
                return -1;
            }
        }
    }

    /// <summary>Echoes every whole frame in <paramref name="input"/>, unmasked, into <paramref name="output"/>.</summary>
    private static (int Consumed, int Written, bool Closed) EchoFrames(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int consumed = 0;
        int written = 0;
        while (FrameHeader.TryParse(input.Slice(consumed), out FrameHeader header, out int headerLength)
            && input.Length - consumed - headerLength >= header.PayloadLength)
        {
            int length = (int)header.PayloadLength;
            if (written + FrameHeader.MaxEncodedLength + length > output.Length)
            {
                break;
            }

            written += new FrameHeader(header.Opcode, header.PayloadLength, header.IsFinal, header.ReservedBits).Write(output.Slice(written));
            PayloadMask.Apply(input.Slice(consumed + headerLength, length), output.Slice(written, length), header.MaskKey, 0);
            written += length;
            consumed += headerLength + length;
            if (header.Opcode == Opcode.Close)
            {
                return (consumed, written, true);
            }
        }

        return (consumed, written, false);
    }
}
