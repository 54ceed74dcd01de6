using System;
using System.Threading;
using System.Threading.Tasks;
using NetCloseStatus = System.Net.WebSockets.WebSocketCloseStatus;
using NetWebSocketError = System.Net.WebSockets.WebSocketError;
using NetWebSocketException = System.Net.WebSockets.WebSocketException;

namespace WebSocketProtocol.Connection;

/// <content>The closing handshake: whole (<see cref="CloseAsync"/>) or this side's half (<see cref="CloseOutputAsync"/>).</content>
public sealed partial class WebSocketConnectionAdapter
{
    // CloseAsync calls under way: a receive that meets the peer's close leaves ending the transport to them.
    private int _closing;

    /// <summary>
    /// Runs the closing handshake: sends this side's close (unless <see cref="CloseOutputAsync"/> did), waits for the
    /// peer's, reading and discarding messages if no receive is pending, then ends the transport. The state goes
    /// CloseSent, then Closed; <see cref="CloseStatus"/> is then the peer's.
    /// </summary>
    /// <param name="closeStatus">The status to send; <see cref="NetCloseStatus.Empty"/> sends a close frame without a body.</param>
    /// <param name="statusDescription">A reason of at most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Cancelling aborts the socket.</param>
    /// <exception cref="ArgumentException">The status may not be sent, or the reason is too long or given without a status.</exception>
    public override Task CloseAsync(NetCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        CloseStatus? status = ValidateClose(closeStatus, statusDescription);
        try
        {
            ThrowIfInvalidState(s_validCloseStates);
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }

        return CloseCoreAsync(status, statusDescription, cancellationToken);
    }

    /// <summary>
    /// Sends this side's close frame and returns without waiting for the peer's: messages, then the peer's close, still
    /// arrive through ReceiveAsync. The state goes CloseSent, or Closed when it answers the peer's close.
    /// </summary>
    /// <param name="closeStatus">The status to send; <see cref="NetCloseStatus.Empty"/> sends a close frame without a body.</param>
    /// <param name="statusDescription">A reason of at most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Cancelling aborts the socket.</param>
    /// <exception cref="ArgumentException">The status may not be sent, or the reason is too long or given without a status.</exception>
    public override Task CloseOutputAsync(NetCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        CloseStatus? status = ValidateClose(closeStatus, statusDescription);
        return CloseOutputCoreAsync(status, statusDescription, cancellationToken);
    }

    private async Task CloseCoreAsync(CloseStatus? status, string? statusDescription, CancellationToken cancellationToken)
    {
        EnterOperation();
        Interlocked.Increment(ref _closing);
        try
        {
            // The close goes out first on its own, so the state reads CloseSent while the peer's answer is awaited.
            await _connection.SendCloseFrameAsync(status, statusDescription, cancellationToken).ConfigureAwait(false);
            OnCloseSent();

            // Waits for the peer's close (a pending receive delivers it), then ends the transport; gives up after the
            // connection's CloseTimeout.
            await _connection.CloseCoreAsync(status, statusDescription, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Exception translated = TranslateFailure(exception, abortOnFailure: true, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                throw;
            }

            throw translated;
        }
        finally
        {
            Interlocked.Decrement(ref _closing);
            ExitOperation();
        }

        if (!_connection.CloseFrameReceived)
        {
            // The connection ended (timeout, lost transport, or a protocol failure while discarding) before the answer.
            OnAborted();
            throw _connection.Failure is not ProtocolError.None and not ProtocolError.ConnectionLost and not ProtocolError.TruncatedFrame
                ? ToWebSocketException(new WebSocketProtocolException(_connection.Failure))
                : new NetWebSocketException(NetWebSocketError.ConnectionClosedPrematurely, "The connection ended before the peer's close frame arrived.");
        }

        OnCloseReceived(_connection.PeerCloseStatus, _connection.PeerCloseReason);
    }

    private async Task CloseOutputCoreAsync(CloseStatus? status, string? statusDescription, CancellationToken cancellationToken)
    {
        ThrowIfInvalidState(s_validCloseOutputStates);
        EnterOperation();
        try
        {
            await _connection.SendCloseFrameAsync(status, statusDescription, cancellationToken).ConfigureAwait(false);
            if (OnCloseSent())
            {
                // This answers the peer's close, so the handshake is over: end the transport too.
                await _connection.CloseCoreAsync(status, statusDescription, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            Exception translated = TranslateFailure(exception, abortOnFailure: true, cancellationToken);
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
}
