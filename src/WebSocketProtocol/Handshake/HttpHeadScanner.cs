using System;
using System.Buffers;

namespace WebSocketProtocol.Handshake;

/// <summary>What <see cref="HttpHeadScanner.Scan"/> found.</summary>
internal enum HeadScanStatus
{
    NeedMore,
    Complete,
    BareLineFeed,
    RequestLineTooLong,
    TooManyHeaders,
    HeadTooLarge,
}

/// <summary>
/// Finds the end of an HTTP/1.1 message head (the empty line, RFC 9112 section 2.1) as bytes arrive, looking at each byte
/// once: the scan resumes where the last one stopped, so a head sent one byte per packet costs linear time, not quadratic
/// (the lesson of tungstenite's CVE-2023-43669). Limits are enforced as soon as they are crossed.
/// </summary>
internal struct HttpHeadScanner
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    private readonly int _maxFirstLineLength;
    private readonly int _maxHeaderCount;
    private readonly int _maxHeadLength;

    private long _scanned;
    private long _lastLineFeed;
    private int _lineCount;
    private byte _previousByte;

    public HttpHeadScanner(int maxFirstLineLength, int maxHeaderCount, int maxHeadLength)
    {
        _maxFirstLineLength = maxFirstLineLength;
        _maxHeaderCount = maxHeaderCount;
        _maxHeadLength = maxHeadLength;
        _scanned = 0;
        _lastLineFeed = -1;
        _lineCount = 0;
        _previousByte = 0;
        HeadLength = 0;
    }

    /// <summary>The length of the head, final empty line included, once <see cref="HeadScanStatus.Complete"/>.</summary>
    public long HeadLength { get; private set; }

    /// <summary>Scans the bytes of <paramref name="buffer"/> (which starts at the head's first byte) not seen before.</summary>
    public HeadScanStatus Scan(in ReadOnlySequence<byte> buffer)
    {
        if (_scanned >= buffer.Length)
        {
            return HeadScanStatus.NeedMore;
        }

        long position = _scanned;
        foreach (ReadOnlyMemory<byte> memory in buffer.Slice(_scanned))
        {
            ReadOnlySpan<byte> span = memory.Span;
            while (!span.IsEmpty)
            {
                int index = span.IndexOf(LF);
                if (index < 0)
                {
                    position += span.Length;
                    _previousByte = span[span.Length - 1];
                    break;
                }

                byte beforeLineFeed = index > 0 ? span[index - 1] : _previousByte;
                long lineFeed = position + index;
                if (beforeLineFeed != CR)
                {
                    _scanned = lineFeed + 1;
                    return HeadScanStatus.BareLineFeed;
                }

                // An empty line (CR LF right after the previous LF) ends the head.
                if (lineFeed == _lastLineFeed + 2)
                {
                    _scanned = lineFeed + 1;
                    HeadLength = lineFeed + 1;
                    return HeadLength > _maxHeadLength ? HeadScanStatus.HeadTooLarge : HeadScanStatus.Complete;
                }

                if (_lineCount == 0 && lineFeed + 1 > _maxFirstLineLength)
                {
                    _scanned = lineFeed + 1;
                    return HeadScanStatus.RequestLineTooLong;
                }

                _lineCount++;
                if (_lineCount > _maxHeaderCount + 1)
                {
                    _scanned = lineFeed + 1;
                    return HeadScanStatus.TooManyHeaders;
                }

                _lastLineFeed = lineFeed;
                _previousByte = LF;
                position = lineFeed + 1;
                span = span.Slice(index + 1);
            }
        }

        _scanned = position;
        if (_lineCount == 0 && _scanned > _maxFirstLineLength)
        {
            return HeadScanStatus.RequestLineTooLong;
        }

        return _scanned > _maxHeadLength ? HeadScanStatus.HeadTooLarge : HeadScanStatus.NeedMore;
    }
}
