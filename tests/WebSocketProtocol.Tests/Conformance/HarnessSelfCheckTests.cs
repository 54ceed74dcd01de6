using System;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Interop;
using Xunit;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// The runner must be able to fail: deliberately wrong expectations, run against the real implementation, are reported as
/// failures with the right reason. Without these, a suite in which every case passes would prove little.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class HarnessSelfCheckTests
{
    private static Task<CaseResult> RunAsync(RoleUnderTest role, Func<CaseScript> script) =>
        CaseRunner.RunAsync(new ConformanceCase("0.1", "self-check with a deliberately wrong expectation", script), role);

    [Theory]
    [InlineData(RoleUnderTest.Server)]
    [InlineData(RoleUnderTest.Client)]
    public async Task A_text_echo_expected_as_binary_is_reported_as_different_events(RoleUnderTest role)
    {
        CaseResult result = await RunAsync(role, () =>
            ScriptBuilder.Create().Send(TextFrame("abc")).Expect(BinaryEvent(Utf8("abc"))).CloseNormally().Build());

        Assert.False(result.Passed, result.Report);
        Assert.Contains("Events differ", result.Report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RoleUnderTest.Server)]
    [InlineData(RoleUnderTest.Client)]
    public async Task A_1002_failure_expected_as_1007_is_reported_as_the_wrong_close_code(RoleUnderTest role)
    {
        CaseResult result = await RunAsync(role, () =>
            ScriptBuilder.Create().Send(TextFrame(Utf8("abc"), rsv: Rsv(4))).Fails(1007).Build());

        Assert.False(result.Passed, result.Report);
        Assert.Contains("closed with 1002; expected close code 1007", result.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_expected_after_a_valid_message_is_reported_when_the_connection_stays_open()
    {
        CaseResult result = await RunAsync(RoleUnderTest.Server, () =>
            ScriptBuilder.Create().Send(TextFrame("abc")).Expect(TextEvent("abc")).Fails(1002).Build());

        Assert.False(result.Passed, result.Report);
        Assert.Contains("neither closed nor dropped", result.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fail_fast_check_on_valid_text_is_reported_as_not_failed_fast()
    {
        CaseResult result = await RunAsync(RoleUnderTest.Server, () =>
            ScriptBuilder.Create()
                .Send(TextFrame("abc", fin: false)).AwaitFailure("a fragment that is valid text")
                .Send(Cont("def", fin: true))
                .Expect(TextEvent("abcdef")).CloseNormally().Build());

        Assert.False(result.Passed, result.Report);
        Assert.Contains("Not failed fast", result.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_prefix_check_on_an_invalid_byte_is_reported_as_failed_too_early()
    {
        CaseResult result = await RunAsync(RoleUnderTest.Client, () =>
            ScriptBuilder.Create()
                .Send(TextFrame(Hex("ff"), fin: false)).Add(new ExpectOpenStep(TimeSpan.FromMilliseconds(500), "the byte ff"))
                .Fails(1007).Build());

        Assert.False(result.Passed, result.Report);
        Assert.Contains("failed too early", result.Report, StringComparison.Ordinal);
    }
}
