using Archeio.Oci.Digests;
using Archeio.Proxying;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Proxying;

/// <summary>
/// The client's body of a proxied answer: the write that completes a whole object reaches the client only once the
/// digest matched (with no length known, every write is one behind the source); a mismatch leaves the client short of
/// the end.
/// </summary>
public sealed class ProxyBodyTests
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31))];

    [Fact]
    public async Task With_a_length_every_write_but_the_one_that_completes_the_object_goes_out_at_once()
    {
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, Digest.Sha256(Content), Content.Length, TimeProvider.System);

        await body.WriteAsync(Content.AsMemory(0, 65_536));
        Assert.Equal(65_536, client.Length);
        await body.WriteAsync(Content.AsMemory(65_536, 65_536));
        Assert.Equal(131_072, client.Length);
        await body.WriteAsync(Content.AsMemory(131_072));
        Assert.Equal(131_072, client.Length);

        Assert.True(await body.FinishAsync(CancellationToken.None));
        Assert.Equal(Content, client.ToArray());
        Assert.Equal(Content.Length, body.Written);
        Assert.Null(body.Mismatch);
    }

    [Fact]
    public async Task Without_a_length_a_verified_body_holds_back_the_latest_write_until_the_digest_matched()
    {
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, Digest.Sha256(Content), length: null, TimeProvider.System);

        await body.WriteAsync(Content.AsMemory(0, 65_536));
        Assert.Equal(0, client.Length);
        await body.WriteAsync(Content.AsMemory(65_536, 65_536));
        Assert.Equal(65_536, client.Length);
        await body.WriteAsync(Content.AsMemory(131_072));
        Assert.Equal(131_072, client.Length);

        Assert.True(await body.FinishAsync(CancellationToken.None));
        Assert.Equal(Content, client.ToArray());
        Assert.Equal(Content.Length, body.Written);
    }

    [Fact]
    public async Task The_forwarders_buffer_may_be_reused_once_a_write_returned()
    {
        // The forwarder reuses its one buffer for the next read: whatever is held must be a copy.
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, Digest.Sha256(Content), Content.Length, TimeProvider.System);
        var buffer = new byte[Content.Length];

        Content.AsSpan(0, 150_000).CopyTo(buffer);
        await body.WriteAsync(buffer.AsMemory(0, 150_000));
        Content.AsSpan(150_000).CopyTo(buffer);
        await body.WriteAsync(buffer.AsMemory(0, Content.Length - 150_000));
        buffer.AsSpan().Clear();

        Assert.True(await body.FinishAsync(CancellationToken.None));
        Assert.Equal(Content, client.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bytes_that_hash_otherwise_never_reach_the_client_whole(bool lengthKnown)
    {
        var wrong = Content.ToArray();
        wrong[^1] ^= 1;
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, Digest.Sha256(Content), lengthKnown ? Content.Length : null, TimeProvider.System);

        await body.WriteAsync(wrong.AsMemory(0, 100_000));
        await body.WriteAsync(wrong.AsMemory(100_000));

        Assert.False(await body.FinishAsync(CancellationToken.None));
        Assert.Equal(100_000, client.Length);
        Assert.Equal(Digest.Sha256(wrong), body.Mismatch);
    }

    [Fact]
    public async Task A_sha512_digest_is_checked_with_sha512()
    {
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, Digest.Of(Digest.Sha512Prefix + new string('0', 128), Content), Content.Length, TimeProvider.System);

        await body.WriteAsync(Content);

        Assert.True(body.Verifies);
        Assert.True(await body.FinishAsync(CancellationToken.None));
        Assert.Equal(Content.Length, client.Length);
    }

    [Fact]
    public async Task An_unverified_body_passes_every_write_through_and_counts_it()
    {
        using var client = new MemoryStream();
        using var body = new ProxyBody(client, digest: null, length: null, TimeProvider.System);

        await body.WriteAsync(Content.AsMemory(0, 10));

        Assert.False(body.Verifies);
        Assert.Equal(10, client.Length);
        Assert.Equal(10, body.Written);
        Assert.True(await body.FinishAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_time_since_the_last_write_is_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        using var body = new ProxyBody(Stream.Null, digest: null, length: null, time);

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), body.SinceLastWrite);
        await body.WriteAsync(Content.AsMemory(0, 1));
        Assert.Equal(TimeSpan.Zero, body.SinceLastWrite);
    }
}
