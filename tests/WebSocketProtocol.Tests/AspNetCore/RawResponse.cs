using System.Collections.Generic;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>An HTTP response as a test reads it: status, header fields (names compared case-insensitively) and body text.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The value of <paramref name="name"/>, or <see langword="null"/>.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
