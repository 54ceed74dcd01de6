using System;
using System.Linq;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The command lines of samples/ChatServer and samples/EchoClient, run as processes: <c>--help</c> is the help
/// System.CommandLine generates from the options (every option listed with its description and default, exit 0), and a
/// bad value or a missing partner option is refused with exit 2, naming the option, before anything is bound or dialled.
/// (samples/ChatClient's are in <see cref="ChatClientTests"/>.)
/// </summary>
[Collection(SampleCollection.Name)]
public class SampleCommandLineTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_chat_servers_help_lists_every_option_with_its_default_and_exits_0()
    {
        await using ChildProcess help = ChildProcess.StartSample("ChatServer", "--help");
        Assert.Equal(0, await help.WaitForExitAsync(Bound));
        string text = string.Join('\n', help.Output);
        foreach (string option in new[]
        {
            "--port <N>", "--host <NAME>", "--max-message-size <BYTES>", "--max-chat-message <CHARS>", "--rate <N>", "--max-queue <N>",
            "--max-rooms <N>", "--max-kept-history <N>", "--max-connections <N>", "--join-rate <N>", "--address-rate <N>",
            "--allowed-host <NAME>", "--allowed-origin <ORIGIN>", "--cert <FILE.pfx>", "--cert-password <PASSWORD>",
            "--handshake-timeout <SECS>", "--keepalive <SECS>", "--keepalive-timeout <SECS>", "--close-timeout <SECS>",
            "--frame-timeout <SECS>", "--redis <CONFIGURATION>", "--redis-presence-ttl <SECS>", "--help",
        })
        {
            Assert.Contains(option, text, StringComparison.Ordinal);
        }

        // The defaults are the ones the server runs with.
        Assert.Contains("[default: 8080]", help.Output.Single(line => line.TrimStart().StartsWith("--port ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("[default: localhost]", help.Output.Single(line => line.TrimStart().StartsWith("--host ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("[default: 10]", help.Output.Single(line => line.TrimStart().StartsWith("--handshake-timeout ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(string.Empty, help.StandardError);
    }

    [Theory]
    [InlineData("--port", "65536")]
    [InlineData("--max-message-size", "124")]
    [InlineData("--rate", "0")]
    [InlineData("--keepalive-timeout", "0")]
    [InlineData("--frame-timeout", "86401")]
    [InlineData("--redis-presence-ttl", "0.2")]
    [InlineData("--allowed-origin", "not-a-url")]
    public async Task The_chat_server_refuses_a_value_out_of_range_with_2_naming_the_option(string option, string value)
    {
        await using ChildProcess refused = ChildProcess.StartSample("ChatServer", "--port", "0", option, value);
        Assert.Equal(2, await refused.WaitForExitAsync(Bound));
        Assert.Contains($"{option} takes ", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains($"'{value}' is not", refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(refused.Output, line => line.StartsWith("Listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_chat_server_refuses_a_certificate_password_without_a_certificate_and_an_unknown_option()
    {
        await using (ChildProcess password = ChildProcess.StartSample("ChatServer", "--port", "0", "--cert-password", "secret"))
        {
            Assert.Equal(2, await password.WaitForExitAsync(Bound));
            Assert.Contains("--cert-password needs --cert.", password.StandardError, StringComparison.Ordinal);
        }

        await using (ChildProcess unknown = ChildProcess.StartSample("ChatServer", "--port", "0", "--colour", "red"))
        {
            Assert.Equal(2, await unknown.WaitForExitAsync(Bound));
            Assert.Contains("'--colour'", unknown.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_echo_clients_help_lists_its_options_and_a_bad_value_exits_2_naming_the_option()
    {
        await using (ChildProcess help = ChildProcess.StartSample("EchoClient", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(Bound));
            string text = string.Join('\n', help.Output);
            Assert.Contains("--url <ws://HOST:PORT/PATH>", text, StringComparison.Ordinal);
            Assert.Contains("--max-message-size <BYTES>", text, StringComparison.Ordinal);
            Assert.Contains("--deflate", text, StringComparison.Ordinal);
        }

        await using (ChildProcess bad = ChildProcess.StartSample("EchoClient", "--url", "ws://127.0.0.1:1/", "--max-message-size", "big"))
        {
            Assert.Equal(2, await bad.WaitForExitAsync(Bound));
            Assert.Contains("--max-message-size takes a number of bytes; 'big' is not.", bad.StandardError, StringComparison.Ordinal);
        }

        await using (ChildProcess urlless = ChildProcess.StartSample("EchoClient", "--deflate"))
        {
            Assert.Equal(2, await urlless.WaitForExitAsync(Bound));
            Assert.Contains("--url is required.", urlless.StandardError, StringComparison.Ordinal);
        }
    }
}
