using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Connection;

/// <content>Sending: whole messages, and messages in parts (<c>endOfMessage: false</c>) as fragments of one message.</content>
public sealed partial class WebSocketConnectionAdapter
{
    // The message being sent in parts: its type (later parts are continuations whatever type they name), and whether it
    // goes uncompressed.
    private bool _sendingParts;
    private WebSocketMessageType _partsType;
    private bool _partsUncompressed;

    /// <summary>
    /// Sends <paramref name="buffer"/> as a whole message, or, with <paramref name="endOfMessage"/> false, as the next part
    /// of one that a later call ends. Text must be valid UTF-8, checked across the parts.
    /// </summary>
    /// <param name="buffer">The bytes to send.</param>
    /// <param name="messageType">Text or Binary; later parts of a message keep the first part's type.</param>
    /// <param name="endOfMessage">Whether this ends the message.</param>
    /// <param name="cancellationToken">Cancelling a send under way aborts the socket, since a frame may be half written.</param>
    /// <exception cref="ArgumentException">The type is Close, or text is not valid UTF-8.</exception>
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        ValidateSendType(messageType);
        ValidateArraySegment(buffer, nameof(buffer));
        return SendCoreAsync(buffer.AsMemory(), messageType, endOfMessage, disableCompression: false, cancellationToken).AsTask();
    }

#if NET
    /// <summary>Sends a whole message or the next part of one; see <see cref="SendAsync(ArraySegment{byte}, WebSocketMessageType, bool, CancellationToken)"/>.</summary>
    /// <param name="buffer">The bytes to send.</param>
    /// <param name="messageType">Text or Binary.</param>
    /// <param name="endOfMessage">Whether this ends the message.</param>
    /// <param name="cancellationToken">Cancelling a send under way aborts the socket.</param>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer, messageType, endOfMessage ? System.Net.WebSockets.WebSocketMessageFlags.EndOfMessage : System.Net.WebSockets.WebSocketMessageFlags.None, cancellationToken);

    /// <summary>
    /// Sends a whole message or the next part of one; <see cref="System.Net.WebSockets.WebSocketMessageFlags.DisableCompression"/>
    /// sends it uncompressed where permessage-deflate was agreed, and must be the same for every part of a message.
    /// </summary>
    /// <param name="buffer">The bytes to send.</param>
    /// <param name="messageType">Text or Binary.</param>
    /// <param name="messageFlags">EndOfMessage and DisableCompression.</param>
    /// <param name="cancellationToken">Cancelling a send under way aborts the socket.</param>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, System.Net.WebSockets.WebSocketMessageFlags messageFlags, CancellationToken cancellationToken)
    {
        ValidateSendType(messageType);
        return SendCoreAsync(
            buffer,
            messageType,
            (messageFlags & System.Net.WebSockets.WebSocketMessageFlags.EndOfMessage) != 0,
            (messageFlags & System.Net.WebSockets.WebSocketMessageFlags.DisableCompression) != 0,
            cancellationToken);
    }
#endif

    private ValueTask SendCoreAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, bool disableCompression, CancellationToken cancellationToken)
    {
        try
        {
            ThrowIfInvalidState(s_validSendStates);
        }
        catch (Exception exception)
        {
            return new ValueTask(Task.FromException(exception));
        }

        if (_sendingParts && _partsUncompressed != disableCompression)
        {
            throw new ArgumentException("Every part of a message must be sent with the same DisableCompression flag.", "messageFlags");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Nothing was written: the socket stays as it is.
            return new ValueTask(Task.FromCanceled(cancellationToken));
        }

        if (_sendingParts || !endOfMessage)
        {
            WebSocketMessageType partType = _sendingParts ? _partsType : ToMessageType(messageType);
            return SendPartAsync(buffer, partType, endOfMessage, disableCompression, cancellationToken);
        }

        // A whole message takes the connection's single-frame path: no state machine when the write completes at once.
        EnterOperation();
        ValueTask send;
        try
        {
            send = _connection.SendAsync(buffer, ToMessageType(messageType), mayCompress: !disableCompression, cancellationToken);
        }
        catch
        {
            // Invalid UTF-8 is refused before anything is written.
            ExitOperation();
            throw;
        }

        if (send.IsCompletedSuccessfully)
        {
            ExitOperation();
            return default;
        }

        return AwaitSendAsync(send, cancellationToken);
    }

    private async ValueTask AwaitSendAsync(ValueTask send, CancellationToken cancellationToken)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Exception translated = TranslateFailure(exception, abortOnFailure: false, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                throw;
            }

            throw translated;
        }
        finally
        {
            ExitOperation();
        }
    }

    private async ValueTask SendPartAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType type, bool endOfMessage, bool disableCompression, CancellationToken cancellationToken)
    {
        EnterOperation();
        try
        {
            await _connection.SendFragmentAsync(buffer, type, endOfMessage, mayCompress: !disableCompression, cancellationToken).ConfigureAwait(false);

            // Only a part that went out moves the message on: a refused one leaves it as it was.
            _sendingParts = !endOfMessage;
            _partsType = type;
            _partsUncompressed = disableCompression;
        }
        catch (Exception exception)
        {
            Exception translated = TranslateFailure(exception, abortOnFailure: false, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                throw;
            }

            throw translated;
        }
        finally
        {
            ExitOperation();
        }
    }

    private static WebSocketMessageType ToMessageType(WebSocketMessageType messageType) =>
        messageType == WebSocketMessageType.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
}
