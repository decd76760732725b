using Archeio.Blobs.Cache;

namespace Archeio.Benchmarks;

/// <summary>Keys as requests bring them: random sha256 digests over four mirrors.</summary>
internal static class RandomKeys
{
    public const int Mirrors = 4;

    public static BlobKey Next(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        Span<char> digest = stackalloc char[7 + 64];
        random.NextBytes(bytes);
        "sha256:".CopyTo(digest);
        Convert.TryToHexStringLower(bytes, digest[7..], out _);
        return new BlobKey(random.Next(Mirrors), DigestKey.From(digest));
    }

    public static BlobKey[] Create(int count, Random random)
    {
        var keys = new BlobKey[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = Next(random);
        }

        return keys;
    }
}
