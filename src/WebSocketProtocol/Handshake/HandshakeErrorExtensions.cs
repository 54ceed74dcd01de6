namespace WebSocketProtocol.Handshake;

/// <summary>The one table from handshake errors to the HTTP status a server answers with, and what it says.</summary>
public static class HandshakeErrorExtensions
{
    /// <summary>The HTTP status code a server sends for <paramref name="error"/> (101 for none).</summary>
    public static int ToStatusCode(this HandshakeError error) => error switch
    {
        HandshakeError.None => 101,
        HandshakeError.RequestLineTooLong or HandshakeError.TooManyHeaders or HandshakeError.HeadTooLarge => 431,
        HandshakeError.MethodNotAllowed => 405,
        HandshakeError.UnsupportedVersion or HandshakeError.UpgradeRequired => 426,
        HandshakeError.OriginNotAllowed or HandshakeError.RejectedByApplication => 403,
        HandshakeError.Timeout => 408,
        HandshakeError.NotFound => 404,
        _ => 400,
    };

    /// <summary>One sentence, in ASCII, that tells a client what was wrong: the body of the error response a server sends.</summary>
    public static string GetDescription(this HandshakeError error) => HttpAscii.GetString(HttpResponseWriter.Describe(error));
}
