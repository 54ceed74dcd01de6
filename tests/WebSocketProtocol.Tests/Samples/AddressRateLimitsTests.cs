using System;
using System.Net;
using System.Threading.Tasks;
using ChatServer.Chat;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>The chat server's rate limits per remote address (linked from the sample).</summary>
public class AddressRateLimitsTests
{
    [Fact]
    public void Connections_of_one_address_share_its_buckets_and_other_addresses_have_their_own()
    {
        var limits = new AddressRateLimits(joinsPerSecond: 0.001, messagesPerSecond: 0.001);
        using AddressQuota first = limits.Enter(IPAddress.Parse("192.0.2.7"));
        using AddressQuota second = limits.Enter(IPAddress.Parse("::ffff:192.0.2.7"));
        using AddressQuota other = limits.Enter(IPAddress.Parse("192.0.2.8"));

        // Bursts of one: the address's one message is taken through either connection, once.
        Assert.True(first.TryPost());
        Assert.False(second.TryPost());
        Assert.True(other.TryPost());
    }

    [Fact]
    public void An_ipv6_address_counts_by_its_slash_64()
    {
        Assert.Equal(AddressRateLimits.KeyOf(IPAddress.Parse("2001:db8:1:2::1")), AddressRateLimits.KeyOf(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        Assert.NotEqual(AddressRateLimits.KeyOf(IPAddress.Parse("2001:db8:1:2::1")), AddressRateLimits.KeyOf(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.NotEqual(AddressRateLimits.KeyOf(IPAddress.Parse("::1")), AddressRateLimits.KeyOf(IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public void Hanging_up_and_connecting_again_does_not_refill_the_bucket()
    {
        var limits = new AddressRateLimits(joinsPerSecond: 0.001, messagesPerSecond: 0.001, sweepInterval: TimeSpan.Zero);
        using (AddressQuota quota = limits.Enter(IPAddress.Loopback))
        {
            Assert.True(quota.TryJoin());
        }

        // Swept on every entry, yet kept: its bucket has not refilled.
        using AddressQuota again = limits.Enter(IPAddress.Loopback);
        Assert.False(again.TryJoin());
    }

    [Fact]
    public async Task Addresses_whose_buckets_have_refilled_and_that_hold_no_connection_are_forgotten_so_the_table_stays_small()
    {
        var limits = new AddressRateLimits(joinsPerSecond: 1000, messagesPerSecond: 1000, sweepInterval: TimeSpan.FromMilliseconds(50));
        var bytes = new byte[16];
        bytes[0] = 0x20;
        for (int i = 0; i < 10_000; i++)
        {
            // A million rooms' worth of attackers would come from as many /64s: each gets a quota while connected.
            BitConverter.TryWriteBytes(bytes.AsSpan(4), i);
            using AddressQuota quota = limits.Enter(new IPAddress(bytes));
            Assert.True(quota.TryJoin());
        }

        Assert.InRange(limits.Count, 1, 10_000);
        using AddressQuota holder = limits.Enter(IPAddress.Loopback);
        for (int attempt = 0; limits.Count > 1 && attempt < 200; attempt++)
        {
            await Task.Delay(60);
            limits.Enter(IPAddress.Loopback).Dispose();
        }

        Assert.Equal(1, limits.Count);
    }
}
