using System.Security.Cryptography;

namespace Geranos.Tests.Destination;

/// <summary>Deterministic pseudo-random blob content and its digest.</summary>
internal sealed record TestBlob(byte[] Content, string Digest)
{
    public const int MiB = 1024 * 1024;

    public long Size => Content.Length;

    public static TestBlob Create(int length, int seed, bool sha512 = false)
    {
        var content = new byte[length];
#pragma warning disable CA5394 // Test content, not security.
        new Random(seed).NextBytes(content);
#pragma warning restore CA5394
        return new TestBlob(content, Of(content, sha512));
    }

    public static string Of(byte[] content, bool sha512 = false)
        => sha512 ? "sha512:" + Convert.ToHexStringLower(SHA512.HashData(content)) : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The same size, one byte different in the middle: what a corrupting source would send.</summary>
    public byte[] Corrupted()
    {
        var copy = (byte[])Content.Clone();
        copy[copy.Length / 2] ^= 0xff;
        return copy;
    }

    public CountingStream Open() => new(Content);
}
