#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/TARGET/ (replacing what is there).

Each seed starts with the settings bytes its target reads (see the target's remarks in fuzz/WebSocketProtocol.Fuzz/Targets)
followed by the data. Deflate seeds come from zlib itself, at several levels, strategies and window sizes. Run it again
after changing a target's input layout; add a hand-made seed by dropping a file into the folder.
"""
import os
import shutil
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])  # the key of RFC 6455 section 5.7's examples


def frame(opcode, payload=b"", fin=True, rsv=0, mask=None, length_code=None):
    """One frame: mask is 4 bytes or None; length_code forces the 16- or 64-bit form."""
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    code = length_code or (n if n < 126 else 126 if n < 65536 else 127)
    head = bytes([first, (0x80 if mask else 0) | code])
    if code == 126:
        head += struct.pack(">H", n)
    elif code == 127:
        head += struct.pack(">Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


def close(code, reason=b"", mask=None):
    return frame(0x8, struct.pack(">H", code) + reason, mask=mask)


def deflate(data, level=6, wbits=15, strategy=zlib.Z_DEFAULT_STRATEGY, sync=True):
    """Raw DEFLATE as permessage-deflate sends it (sync flush, tail kept) or as a whole stream with a final block."""
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 8, strategy)
    out = c.compress(data)
    out += c.flush(zlib.Z_SYNC_FLUSH) if sync else c.flush(zlib.Z_FINISH)
    return out


def message(data, wbits=15, level=6):
    """A permessage-deflate payload: the sync flush's 00 00 FF FF tail removed (RFC 7692 section 7.2.1)."""
    body = deflate(data, level, wbits)
    assert body.endswith(b"\x00\x00\xff\xff")
    return body[:-4]


TEXT = "Hello, WebSocket! κόσμε – ünïcödé 🎉 ".encode() * 8
JSON = b'{"type":"message","room":"lobby","name":"alice","text":"hi there","at":"2026-01-01T00:00:00Z"}'
BINARY = bytes(range(256)) * 3

CHROMIUM_REQUEST = (
    b"GET /chat?room=lobby HTTP/1.1\r\n"
    b"Host: localhost:8080\r\n"
    b"Connection: Upgrade\r\n"
    b"Pragma: no-cache\r\n"
    b"Cache-Control: no-cache\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n"
    b"Upgrade: websocket\r\n"
    b"Origin: http://localhost:8080\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Accept-Language: en-US,en;q=0.9\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    b"\r\n"
)
RFC_REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)
FIREFOX_REQUEST = (
    b"GET /echo HTTP/1.1\r\n"
    b"Host: 127.0.0.1:9001\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0\r\n"
    b"Accept: */*\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"Origin: http://127.0.0.1:9001\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12; server_no_context_takeover, permessage-deflate\r\n"
    b"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
    b"Connection: keep-alive, Upgrade\r\n"
    b"Upgrade: websocket\r\n"
    b"\r\n"
)
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
RESPONSE_101 = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: " + ACCEPT + b"\r\n"
    b"\r\n"
)


def write(target, seeds):
    folder = os.path.join(ROOT, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in seeds:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def frame_reader():
    masked = (
        frame(0x1, b"Hello", mask=MASK)
        + frame(0x2, BINARY, mask=MASK)
        + frame(0x9, b"ping", mask=MASK)
        + frame(0x1, b"Hel", fin=False, mask=MASK)
        + frame(0xA, b"", mask=MASK)
        + frame(0x0, b"lo", mask=MASK)
        + close(1000, b"bye", mask=MASK)
    )
    unmasked = (
        frame(0x1, b"Hello") + frame(0x2, b"\x00" * 300) + frame(0x9, b"Hello") + frame(0xA, b"Hello")
        + frame(0x1, JSON, fin=False) + frame(0x0, b"", fin=True) + close(1001)
    )
    return [
        # byte 0: role, RSV1, cut, seed; byte 1: limit, segments, read calls (see FrameReaderTarget).
        ("server-whole-frames", bytes([0x00, 0x0F]) + masked),
        ("server-pieces-1-byte-segments", bytes([0x04, 0x4F]) + masked),
        ("server-mixed-random-cuts", bytes([0x5C, 0xEF]) + masked),
        ("client-whole-frames", bytes([0x01, 0x3F]) + unmasked),
        ("client-frame-or-header-7-byte-segments", bytes([0x09, 0x9F]) + unmasked),
        ("client-mixed-small-cuts", bytes([0xA9, 0xDF]) + unmasked),
        ("rfc7692-compressed-hello", bytes([0x03, 0x0F]) + bytes.fromhex("c107f248cdc9c90700")),
        ("long-lengths", bytes([0x01, 0x3F]) + frame(0x2, b"x" * 200, length_code=127) + frame(0x2, b"y" * 130)),
        ("frame-too-large", bytes([0x01, 0x00]) + frame(0x2, b"z" * 200)),
        ("top-bit-length", bytes([0x01, 0x0F]) + bytes.fromhex("82ff8000000000000000")),
        ("truncated", bytes([0x00, 0x0F]) + frame(0x1, b"Hello", mask=MASK)[:-2]),
    ]


def handshake_server():
    # byte 0: cut, segments, deflate, subprotocols, any origin, small limits (see HandshakeServerTarget).
    return [
        ("chromium", bytes([0x53, 0x01]) + CHROMIUM_REQUEST),
        ("chromium-byte-by-byte", bytes([0x51, 0x02]) + CHROMIUM_REQUEST),
        ("rfc6455-subprotocols", bytes([0x62, 0x03]) + RFC_REQUEST),
        ("firefox-two-offers", bytes([0x5E, 0x04]) + FIREFOX_REQUEST),
        ("frame-behind-head", bytes([0x43, 0x05]) + RFC_REQUEST + frame(0x1, b"Hello", mask=MASK)),
        ("plain-get", bytes([0x03, 0x06]) + b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n\r\n"),
        ("version-8", bytes([0x40, 0x07]) + RFC_REQUEST.replace(b"Version: 13", b"Version: 8")),
        ("post", bytes([0x40, 0x08]) + RFC_REQUEST.replace(b"GET", b"POST")),
        ("small-limits", bytes([0xC2, 0x09]) + RFC_REQUEST),
    ]


def handshake_client():
    # byte 0: cut, segments, deflate offered, subprotocols offered, small limits (see HandshakeClientTarget).
    deflate_101 = RESPONSE_101[:-2] + b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; server_no_context_takeover\r\n\r\n"
    return [
        ("rfc6455-101", bytes([0x03, 0x01]) + RESPONSE_101),
        ("101-byte-by-byte", bytes([0x01, 0x02]) + RESPONSE_101),
        ("101-subprotocol", bytes([0x22, 0x03]) + RESPONSE_101[:-2] + b"Sec-WebSocket-Protocol: chat\r\n\r\n"),
        ("101-deflate", bytes([0x1E, 0x04]) + deflate_101),
        ("101-then-frame", bytes([0x03, 0x05]) + RESPONSE_101 + frame(0x1, b"Hello")),
        ("403", bytes([0x03, 0x06]) + b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nForbidden"),
        ("small-limits", bytes([0x43, 0x07]) + RESPONSE_101),
    ]


def utf8():
    # byte 0: cut (low two bits) and seed (see Utf8Target).
    texts = [
        ("ascii", b"Hello, World! " * 4),
        ("greek", "κόσμε".encode()),
        ("boundaries", "\u0080\u07ff\u0800\uffff\U00010000\U0010ffff".encode()),
        ("mixed", TEXT),
        ("surrogate", b"ab\xed\xa0\x80cd"),
        ("overlong", b"ab\xc0\xafcd"),
        ("above-max", b"ab\xf4\x90\x80\x80"),
        ("truncated", b"abc\xe2\x82"),
        ("lone-continuation", b"\x80abc"),
        ("e0-then-80", b"\xe0\x80\x80"),
    ]
    seeds = []
    for i, (name, text) in enumerate(texts):
        for cut in range(4):
            seeds.append((f"{name}-cut{cut}", bytes([cut | (i << 2)]) + text))
    return seeds


def inflater():
    # byte 0: window (2^(8+n)), cut, seed; byte 1: output buffer size, seed (see InflaterTarget).
    seeds = []
    sources = [("text", TEXT), ("json", JSON), ("binary", BINARY), ("repeats", b"ab" * 2000)]
    for wbits in (9, 10, 12, 15):
        for level in (0, 1, 6, 9):
            for name, data in sources[:2] if level in (0, 1) else sources:
                cut = (wbits + level) % 4
                out = (level + wbits) % 8
                seeds.append((f"{name}-w{wbits}-l{level}", bytes([(wbits - 8) | (cut << 3), out]) + deflate(data, level, wbits)))
    for strategy, name in ((zlib.Z_FIXED, "fixed"), (zlib.Z_HUFFMAN_ONLY, "huffman"), (zlib.Z_RLE, "rle"), (zlib.Z_FILTERED, "filtered")):
        seeds.append((f"text-{name}", bytes([0x07 | (2 << 3), 3]) + deflate(TEXT, 6, 15, strategy)))
    seeds.append(("final-block", bytes([0x07, 4]) + deflate(TEXT, 6, 15, sync=False)))
    seeds.append(("two-streams", bytes([0x07, 5]) + deflate(JSON, 6, 15, sync=False) + deflate(TEXT, 1, 15, sync=False)))
    seeds.append(("empty-stored", bytes([0x07, 0]) + bytes.fromhex("0000ffff")))
    seeds.append(("rfc7692-hello", bytes([0x07, 0]) + bytes.fromhex("f248cdc9c90700") + bytes.fromhex("0000ffff")))
    return seeds


def connection():
    # byte 0: role, deflate, no context takeover, cut, seed; byte 1: segments, limit, receive call (see ConnectionTarget).
    compressed = message(TEXT)
    masked = (
        frame(0x1, b"Hello", mask=MASK)
        + frame(0x1, "κό".encode()[:3], fin=False, mask=MASK)
        + frame(0x9, b"ping", mask=MASK)
        + frame(0x0, "κό".encode()[3:] + b"sme", mask=MASK)
        + frame(0x2, BINARY, mask=MASK)
        + close(1000, b"done", mask=MASK)
    )
    deflated = (
        frame(0x1, compressed, rsv=0x40, mask=MASK)
        + frame(0x1, compressed[:20], fin=False, rsv=0x40, mask=MASK)
        + frame(0x0, compressed[20:], mask=MASK)
        + frame(0x2, b"uncompressed", mask=MASK)
        + close(1000, mask=MASK)
    )
    client = frame(0x1, message(JSON), rsv=0x40) + frame(0xA, b"") + frame(0x1, JSON) + close(1001, b"going away")
    return [
        ("server-messages", bytes([0x00, 0x3F]) + masked),
        ("server-pieces", bytes([0x18, 0x7E]) + masked),
        ("server-deflate", bytes([0x02, 0x3F]) + deflated),
        ("server-deflate-no-takeover-cut", bytes([0x1E, 0xBD]) + deflated),
        ("client-deflate", bytes([0x03, 0x3F]) + client),
        ("client-pieces-byte-cuts", bytes([0x0B, 0xF4]) + client),
        ("too-big", bytes([0x00, 0x00]) + frame(0x2, b"x" * 300, mask=MASK)),
    ]


if __name__ == "__main__":
    write("frame-reader", frame_reader())
    write("handshake-server", handshake_server())
    write("handshake-client", handshake_client())
    write("utf8", utf8())
    write("inflater", inflater())
    write("connection", connection())
    # The protocol target reads the same two setting bytes as the connection target (see ProtocolTarget).
    write("protocol", connection())
    for target in sorted(os.listdir(ROOT)):
        print(target, len(os.listdir(os.path.join(ROOT, target))), "seeds")
