using System;
using System.Security.Cryptography;
using System.Text;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Handshake;

public class Sha1Tests
{
    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void The_published_test_vectors_hash_to_their_digests(string input, string expected)
    {
        var digest = new byte[Sha1.DigestLength];
        Sha1.Hash(Encoding.ASCII.GetBytes(input), digest);
        Assert.Equal(expected, Convert.ToHexString(digest).ToLowerInvariant());
    }

    [Fact]
    public void Every_length_from_0_to_300_bytes_hashes_as_the_platform_does()
    {
        // Lengths around 55, 56, 64 and 119, 120, 128 cross the one- and two-block padding cases.
        var random = new Random(1);
        var digest = new byte[Sha1.DigestLength];
        for (int length = 0; length <= 300; length++)
        {
            byte[] input = new byte[length];
            random.NextBytes(input);
            Sha1.Hash(input, digest);
            Assert.Equal(SHA1.HashData(input), digest);
        }
    }

    [Fact]
    public void Hashing_allocates_nothing()
    {
        byte[] input = new byte[60];
        var digest = new byte[Sha1.DigestLength];
        Assert.Equal(0, SteadyState.AllocatedBytes(() => Sha1.Hash(input, digest), warmup: 1, iterations: 100));
    }
}
