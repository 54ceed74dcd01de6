namespace WebSocketProtocol.Framing;

/// <summary>Classifies opcodes as RFC 6455 section 5.2 defines them.</summary>
public static class OpcodeExtensions
{
    /// <summary>Whether the opcode is a control opcode (0x8-0xF, the high bit of the nibble set).</summary>
    public static bool IsControl(this Opcode opcode) => ((byte)opcode & 0x8) != 0;

    /// <summary>Whether the opcode is one RFC 6455 defines; 0x3-0x7 and 0xB-0xF are reserved.</summary>
    public static bool IsDefined(this Opcode opcode) => (byte)opcode switch
    {
        0x0 or 0x1 or 0x2 or 0x8 or 0x9 or 0xA => true,
        _ => false,
    };
}
