using System;
using System.Buffers;
using System.Collections.Generic;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions;

/// <summary>Runs the extension factories over a client's offers (server side) or a server's answer (client side).</summary>
internal static class ExtensionNegotiation
{
    private static ReadOnlySpan<byte> HeaderName => "Sec-WebSocket-Extensions"u8;

    /// <summary>
    /// Lets each server factory accept at most one of the client's offers, in the client's order of preference, writing the
    /// response header's value into <paramref name="responseValue"/>. Returns <see langword="false"/> when the header is malformed.
    /// </summary>
    public static bool TryNegotiate(HandshakeRequest request, List<IWebSocketExtensionFactory> factories, PooledBufferWriter responseValue, out WebSocketExtension[] accepted)
    {
        accepted = Array.Empty<WebSocketExtension>();
        if (factories.Count == 0)
        {
            return true;
        }

        for (int i = request.IndexOf(HeaderName, 0); i >= 0; i = request.IndexOf(HeaderName, i + 1))
        {
            if (!ExtensionHeaderParser.IsValidHeader(request.GetHeaderValue(i)))
            {
                return false;
            }
        }

        List<WebSocketExtension>? agreed = null;
        ReservedBits claimed = ReservedBits.None;
        for (int i = request.IndexOf(HeaderName, 0); i >= 0; i = request.IndexOf(HeaderName, i + 1))
        {
            var parser = new ExtensionHeaderParser(request.GetHeaderValue(i));
            while (parser.MoveNext())
            {
                ExtensionOffer offer = parser.Current;
                IWebSocketExtensionFactory? factory = Find(factories, offer.Name);
                if (factory is null || Contains(agreed, factory.Name))
                {
                    continue;
                }

                // The name goes first and the factory appends its parameters; a declined offer is cut off again.
                int mark = responseValue.WrittenCount;
                if (agreed is not null)
                {
                    HttpResponseWriter.Write(responseValue, ", "u8);
                }

                HttpResponseWriter.WriteAscii(responseValue, factory.Name);
                WebSocketExtension? extension = factory.Accept(offer, responseValue);

                // Two extensions may not claim the same reserved bit: the later one is declined.
                if (extension is not null && (extension.ReservedBits & claimed) != 0)
                {
                    extension.Dispose();
                    extension = null;
                }

                if (extension is null)
                {
                    responseValue.Truncate(mark);
                    continue;
                }

                claimed |= extension.ReservedBits;
                (agreed ??= new List<WebSocketExtension>()).Add(extension);
            }
        }

        if (agreed is not null)
        {
            accepted = agreed.ToArray();
        }

        return true;
    }

    /// <summary>Writes the client's offer header, or nothing when no extension is offered.</summary>
    public static void WriteOffer(IBufferWriter<byte> output, List<IWebSocketClientExtensionFactory> factories)
    {
        if (factories.Count == 0)
        {
            return;
        }

        HttpResponseWriter.Write(output, "Sec-WebSocket-Extensions: "u8);
        for (int i = 0; i < factories.Count; i++)
        {
            if (!HttpAscii.IsToken(factories[i].Name))
            {
                throw new ArgumentException($"The extension name '{factories[i].Name}' is not an HTTP token.", nameof(factories));
            }

            if (i > 0)
            {
                HttpResponseWriter.Write(output, ", "u8);
            }

            HttpResponseWriter.WriteAscii(output, factories[i].Name);
            factories[i].WriteOffer(output);
        }

        HttpResponseWriter.Write(output, "\r\n"u8);
    }

    /// <summary>
    /// Checks the server's answer against what was offered (RFC 6455 section 9.1: only offered extensions, each once) and
    /// returns the agreed extensions, or an error message.
    /// </summary>
    public static string? TryAccept(HandshakeRequest response, List<IWebSocketClientExtensionFactory> factories, out WebSocketExtension[] accepted)
    {
        accepted = Array.Empty<WebSocketExtension>();
        var agreed = new List<WebSocketExtension>();
        ReservedBits claimed = ReservedBits.None;
        for (int i = response.IndexOf(HeaderName, 0); i >= 0; i = response.IndexOf(HeaderName, i + 1))
        {
            var parser = new ExtensionHeaderParser(response.GetHeaderValue(i));
            while (parser.MoveNext())
            {
                ExtensionOffer element = parser.Current;
                IWebSocketClientExtensionFactory? factory = Find(factories, element.Name);
                string? problem = factory is null ? "The server selected an extension the client did not offer."
                    : Contains(agreed, factory.Name) ? "The server selected the same extension twice."
                    : null;
                WebSocketExtension? extension = problem is null ? factory!.Accept(element) : null;
                if (problem is null && extension is null)
                {
                    problem = $"The server's parameters for {factory!.Name} do not answer the offer.";
                }

                if (problem is null && (extension!.ReservedBits & claimed) != 0)
                {
                    extension.Dispose();
                    problem = "Two agreed extensions claim the same reserved bit.";
                }

                if (problem is not null)
                {
                    DisposeAll(agreed);
                    return problem;
                }

                claimed |= extension!.ReservedBits;
                agreed.Add(extension);
            }

            if (!parser.IsValid)
            {
                DisposeAll(agreed);
                return "The response's Sec-WebSocket-Extensions header is malformed.";
            }
        }

        accepted = agreed.Count == 0 ? accepted : agreed.ToArray();
        return null;
    }

    public static void DisposeAll(IEnumerable<WebSocketExtension> extensions)
    {
        foreach (WebSocketExtension extension in extensions)
        {
            extension.Dispose();
        }
    }

    private static T? Find<T>(List<T> factories, ReadOnlySpan<byte> name)
        where T : class
    {
        foreach (T factory in factories)
        {
            string factoryName = factory is IWebSocketExtensionFactory server ? server.Name : ((IWebSocketClientExtensionFactory)factory).Name;
            if (HttpAscii.EqualsIgnoreCase(name, factoryName))
            {
                return factory;
            }
        }

        return null;
    }

    private static bool Contains(List<WebSocketExtension>? agreed, string name)
    {
        if (agreed is null)
        {
            return false;
        }

        foreach (WebSocketExtension extension in agreed)
        {
            if (string.Equals(extension.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
