using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace ChatServer;

/// <summary>
/// The end of a connection on Kestrel. The library completes the transport's pipes when a connection ends, and Kestrel's
/// send loop then writes what is left in them (the last echoes, a close frame, an error response) before it closes the
/// socket. A peer that reads nothing would hold that last write, and the socket with all it holds, for ever: so the
/// connection gets the close timeout to finish, then is aborted.
/// </summary>
internal static class TransportShutdown
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task CloseAsync(ConnectionContext context, TimeSpan grace)
    {
        // Whichever way the connection ended, nothing more is written or read.
        await context.Transport.Output.CompleteAsync();
        await context.Transport.Input.CompleteAsync();
        Socket? socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        var clock = Stopwatch.StartNew();

        // Fires once Kestrel has shut the socket down after its last write, or as soon as the peer closes its side.
        await Task.Delay(grace, context.ConnectionClosed).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // The peer closing first says nothing about our last bytes: the socket counts as connected until they are out.
        while (socket is { Connected: true } && clock.Elapsed < grace)
        {
            await Task.Delay(PollInterval);
        }

        if (socket?.Connected ?? !context.ConnectionClosed.IsCancellationRequested)
        {
            context.Abort(new ConnectionAbortedException("The peer did not take the connection's last bytes within the close timeout."));
        }
    }
}
