using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Adapter;

/// <summary>Both ends of one TCP connection on 127.0.0.1, as streams that own their sockets.</summary>
internal sealed class LoopbackSocketPair : IDisposable
{
    private LoopbackSocketPair(NetworkStream server, NetworkStream client)
    {
        Server = server;
        Client = client;
    }

    /// <summary>The accepted end.</summary>
    public NetworkStream Server { get; }

    /// <summary>The connecting end.</summary>
    public NetworkStream Client { get; }

    public static async Task<LoopbackSocketPair> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            Task<Socket> accept = listener.AcceptSocketAsync();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            Socket server = await accept.WaitAsync(TimeSpan.FromSeconds(30));
            server.NoDelay = true;
            return new LoopbackSocketPair(new NetworkStream(server, ownsSocket: true), new NetworkStream(client, ownsSocket: true));
        }
        catch
        {
            client.Dispose();
            throw;
        }
        finally
        {
            listener.Stop();
        }
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
