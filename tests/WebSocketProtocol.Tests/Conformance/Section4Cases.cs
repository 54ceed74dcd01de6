using System.Collections.Generic;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 4, reserved opcodes: the non-control opcodes 3-7 (4.1) and the control opcodes B-F (4.2) fail the connection
/// with 1002; a message before them is echoed first, a ping after them is not answered.
/// </summary>
internal static class Section4Cases
{
    private const string Hello = "Hello, world!";

    public static IEnumerable<ConformanceCase> All()
    {
        foreach ((string prefix, byte first, string kind) in new[] { ("4.1", (byte)3, "non-control"), ("4.2", (byte)0xB, "control") })
        {
            yield return new ConformanceCase($"{prefix}.1", $"Frame with reserved {kind} opcode {first:X}: failed with 1002", () =>
                ScriptBuilder.Create().Send(Frame(first, System.Array.Empty<byte>())).Fails(1002).Build());

            yield return new ConformanceCase($"{prefix}.2", $"Frame with reserved {kind} opcode {first + 1:X} and a payload: failed with 1002", () =>
                ScriptBuilder.Create().Send(Frame((byte)(first + 1), Utf8("reserved opcode payload"))).Fails(1002).Build());

            yield return new ConformanceCase($"{prefix}.3", $"Text message, frame with reserved opcode {first + 2:X}, ping: the text is echoed, then 1002, no pong", () =>
                ScriptBuilder.Create()
                    .Send(TextFrame(Hello), Frame((byte)(first + 2), System.Array.Empty<byte>()), Ping())
                    .Expect(TextEvent(Hello)).Fails(1002).Build());

            yield return new ConformanceCase($"{prefix}.4", $"Text message, frame with reserved opcode {first + 3:X} and a payload, ping: the text is echoed, then 1002", () =>
                ScriptBuilder.Create()
                    .Send(TextFrame(Hello), Frame((byte)(first + 3), Utf8("reserved opcode payload")), Ping())
                    .Expect(TextEvent(Hello)).Fails(1002).Build());

            yield return new ConformanceCase($"{prefix}.5", $"Text message, frame with reserved opcode {first + 4:X} and a payload, ping, in one write: the text is echoed, then 1002", () =>
                ScriptBuilder.Create()
                    .SendTogether(TextFrame(Hello), Frame((byte)(first + 4), Utf8("reserved opcode payload")), Ping())
                    .Expect(TextEvent(Hello)).Fails(1002).Build());
        }
    }
}
