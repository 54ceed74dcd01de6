using System;
using WebSocketProtocol.LoadTool;
using Xunit;

namespace WebSocketProtocol.Tests.Load;

/// <summary>The echo scenario's wait between looks at a run: never negative, never past the window's end.</summary>
public sealed class EchoScenarioPollTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    [Fact]
    public void A_look_at_or_past_the_end_of_the_window_ends_the_wait_instead_of_sleeping_a_negative_time()
    {
        Assert.Null(EchoScenario.NextPoll(Window, Window));
        Assert.Null(EchoScenario.NextPoll(Window, Window + TimeSpan.FromMilliseconds(3)));
        Assert.Null(EchoScenario.NextPoll(Window, Window + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Early_in_the_window_the_wait_is_the_poll_interval()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(20), EchoScenario.NextPoll(Window, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMilliseconds(20), EchoScenario.NextPoll(Window, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Near_the_end_the_wait_is_what_is_left_of_the_window()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(5), EchoScenario.NextPoll(Window, Window - TimeSpan.FromMilliseconds(5)));
        Assert.Equal(TimeSpan.FromTicks(1), EchoScenario.NextPoll(Window, Window - TimeSpan.FromTicks(1)));
    }
}
