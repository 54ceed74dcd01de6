using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Handshake;

/// <summary>FsCheck properties of the server handshake over any valid request, any chunking, and arbitrary bytes.</summary>
public class HandshakeProperties
{
    /// <summary>A valid request as a test builds it, and what negotiating it must produce.</summary>
    public sealed record ValidRequest(byte[] Bytes, string Accept, string? SubProtocol, int[] ChunkSizes)
    {
        public override string ToString() => Encoding.Latin1.GetString(Bytes).Replace("\r\n", "⏎", StringComparison.Ordinal) + $" chunks={ChunkSizes.Length}";
    }

    private static readonly string[] ServerProtocols = { "v3", "v2", "v1" };

    private static Gen<string> RandomCase(string text) =>
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new Random(seed);
            return new string(text.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)).ToArray());
        });

    private static readonly Gen<string> Ows = Gen.Elements(string.Empty, " ", "\t", "  \t ");

    private static readonly Gen<string> TokenText =
        Gen.Elements("a", "b", "x-y", "z9", "k.e", "tok~en").ArrayOf().Select(parts => "x" + string.Concat(parts.Take(4)));

    private static readonly Gen<ValidRequest> ValidRequests =
        from keyBytes in Gen.Choose(0, 255).ArrayOf(16)
        from hostName in RandomCase("Host")
        from upgradeName in RandomCase("Upgrade")
        from connectionName in RandomCase("Connection")
        from keyName in RandomCase("Sec-WebSocket-Key")
        from versionName in RandomCase("Sec-WebSocket-Version")
        from upgradeValue in RandomCase("websocket")
        from connectionTokens in Gen.Elements("Upgrade", "keep-alive, Upgrade", "Upgrade, close", "upgrade", " , UPGRADE ,")
        from ows in Ows.ArrayOf(10)
        from extraNames in TokenText.ArrayOf()
        from extraValues in Gen.Elements("v", "a b c", "caf\u00e9", "", "\"quoted, value\"").ArrayOf()
        from offered in Gen.SubListOf(new[] { "v1", "v2", "v3", "other" })
        from order in Gen.Choose(0, int.MaxValue)
        from chunkSizes in Gen.Choose(1, 64).ArrayOf()
        select Build(keyBytes, new[] { hostName, upgradeName, connectionName, keyName, versionName }, upgradeValue, connectionTokens, ows, extraNames, extraValues, offered, order, chunkSizes);

    private static ValidRequest Build(int[] keyBytes, string[] names, string upgradeValue, string connectionTokens, string[] ows, string[] extraNames, string[] extraValues, IList<string> offered, int order, int[] chunkSizes)
    {
        string key = Convert.ToBase64String(keyBytes.Select(b => (byte)b).ToArray());
        string Field(string name, string value, int i) => name + ":" + ows[i % ows.Length] + value + ows[(i + 1) % ows.Length];
        var fields = new List<string>
        {
            Field(names[0], "example.com", 0),
            Field(names[1], upgradeValue, 1),
            Field(names[2], connectionTokens, 2),
            Field(names[3], key, 3),
            Field(names[4], "13", 4),
        };
        for (int i = 0; i < Math.Min(extraNames.Length, extraValues.Length) && i < 20; i++)
        {
            fields.Add(Field(extraNames[i], extraValues[i], i + 5));
        }

        if (offered.Count > 0)
        {
            fields.Add("Sec-WebSocket-Protocol: " + string.Join(", ", offered));
        }

        var random = new Random(order);
        fields = fields.OrderBy(_ => random.Next()).ToList();
        string request = "GET /p HTTP/1.1\r\n" + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n";
        var accept = new byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
        string? subprotocol = ServerProtocols.FirstOrDefault(offered.Contains);
        return new ValidRequest(Encoding.Latin1.GetBytes(request), Encoding.ASCII.GetString(accept), subprotocol, chunkSizes.Length == 0 ? new[] { 1 } : chunkSizes);
    }

    private static WebSocketServerOptions Options()
    {
        var options = new WebSocketServerOptions();
        foreach (string protocol in ServerProtocols)
        {
            options.SubProtocols.Add(protocol);
        }

        return options;
    }

    private static (ServerHandshakeResult Result, string Response) Run(byte[] request, IEnumerable<int> chunkSizes)
    {
        var input = new ChunkedPipeReader(SegmentedSequence.Split(request, Enumerable.Repeat(chunkSizes, 1000).SelectMany(s => s)));
        var output = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 0));
        ServerHandshakeResult result = HandshakeNegotiator.AcceptAsync(input, output.Writer, Options()).AsTask().GetAwaiter().GetResult();
        output.Writer.Complete();
        output.Reader.TryRead(out var read);
        return (result, Encoding.Latin1.GetString(System.Buffers.BuffersExtensions.ToArray(read.Buffer)));
    }

    [Property(MaxTest = 300)]
    public Property Any_valid_request_chunked_any_way_negotiates_the_same_result() =>
        Prop.ForAll(ValidRequests.ToArbitrary(), request =>
        {
            var (whole, wholeResponse) = Run(request.Bytes, new[] { int.MaxValue });
            var (chunked, chunkedResponse) = Run(request.Bytes, request.ChunkSizes);
            return whole.Outcome == HandshakeOutcome.Accepted
                && chunked.Outcome == HandshakeOutcome.Accepted
                && whole.SubProtocol == request.SubProtocol
                && chunked.SubProtocol == request.SubProtocol
                && wholeResponse == chunkedResponse
                && wholeResponse.Contains("\r\nSec-WebSocket-Accept: " + request.Accept + "\r\n", StringComparison.Ordinal);
        });

    [Property(MaxTest = 300)]
    public Property A_valid_request_with_one_byte_changed_never_throws_and_always_gets_a_consistent_answer() =>
        Prop.ForAll(
            (from request in ValidRequests
             from position in Gen.Choose(0, 10_000)
             from value in Gen.Choose(0, 255)
             select (request, position, value)).ToArbitrary(),
            input =>
            {
                byte[] mutated = (byte[])input.request.Bytes.Clone();
                mutated[input.position % mutated.Length] = (byte)input.value;
                var (result, response) = Run(mutated, input.request.ChunkSizes);
                return result.Outcome switch
                {
                    HandshakeOutcome.Accepted => response.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal),
                    HandshakeOutcome.Rejected => response.StartsWith($"HTTP/1.1 {result.StatusCode} ", StringComparison.Ordinal) && result.StatusCode >= 400,
                    _ => response.Length == 0 && result.Request is not null,
                };
            });

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_never_make_the_server_handshake_throw() =>
        Prop.ForAll(
            (from bytes in ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? Array.Empty<byte>())
             from prefix in Gen.Elements(string.Empty, "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nUpgrade: websocket\r\n")
             from end in Gen.Elements(string.Empty, "\r\n\r\n")
             select Encoding.Latin1.GetBytes(prefix).Concat(bytes).Concat(Encoding.Latin1.GetBytes(end)).ToArray()).ToArbitrary(),
            bytes =>
            {
                var (result, response) = Run(bytes, new[] { 3, 1, 7 });
                return result.Outcome != HandshakeOutcome.Accepted || response.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal);
            });
}
