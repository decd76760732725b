using System.IO.Pipelines;
using Geranos.Source;
using Geranos.Tests.Cli;
using Microsoft.Extensions.Time.Testing;

namespace Geranos.Tests.Security;

/// <summary>
/// <c>--source-timeout</c> (docs/geranos.md): a blob body must deliver 64 KiB (or its end) for every timeout's worth of
/// waiting, so a stall or a drip is abandoned while a slow but steady source and a slow destination are not. The
/// stream is driven by hand on a <see cref="FakeTimeProvider"/>; the end-to-end stall and drip are in
/// <see cref="HostileBodySyncTests"/>.
/// </summary>
public sealed class SourceTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_read_that_gets_nothing_for_the_timeout_fails_with_a_timeout()
    {
        var (stream, _, time) = Create();
        var read = stream.ReadAsync(new byte[1024]).AsTask();

        time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => read);
        Assert.Contains("--source-timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_drip_is_cut_although_bytes_keep_coming()
    {
        var (stream, pipe, time) = Create();
        var reads = 0;
        while (true)
        {
            // Three bytes every fifth of the timeout: never idle for long, but far below 64 KiB per timeout.
            var read = stream.ReadAsync(new byte[1024]).AsTask();
            time.Advance(Timeout / 5);
            await pipe.Writer.WriteAsync(new byte[3]);
            try
            {
                Assert.Equal(3, await read);
            }
            catch (TimeoutException)
            {
                break;
            }

            reads++;
            Assert.True(reads < 10, "the drip was not cut");
        }

        // Four drips fit in one timeout's waiting; the fifth read is where it runs out.
        Assert.Equal(4, reads);
    }

    [Fact]
    public async Task Steady_progress_is_never_cut_however_long_it_takes()
    {
        var (stream, pipe, time) = Create();
        var buffer = new byte[ResponseStream.MinProgressBytes];
        for (var i = 0; i < 100; i++)
        {
            // 64 KiB per 0.9 timeouts, a hundred times over: ninety timeouts in all.
            var read = stream.ReadAsync(buffer).AsTask();
            time.Advance(Timeout * 0.9);
            await pipe.Writer.WriteAsync(new byte[ResponseStream.MinProgressBytes]);
            var got = await read;
            while (got < ResponseStream.MinProgressBytes)
            {
                got += await stream.ReadAsync(buffer.AsMemory(got));
            }
        }
    }

    [Fact]
    public async Task Time_between_reads_does_not_count()
    {
        var (stream, pipe, time) = Create();
        await pipe.Writer.WriteAsync(new byte[10]);
        Assert.Equal(10, await stream.ReadAsync(new byte[1024]));

        // The caller uploads a part for ten timeouts; the source is not to blame.
        time.Advance(Timeout * 10);
        await pipe.Writer.WriteAsync(new byte[10]);

        Assert.Equal(10, await stream.ReadAsync(new byte[1024]));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_stays_a_cancellation()
    {
        var (stream, _, _) = Create();
        using var cancel = new CancellationTokenSource();
        var read = stream.ReadAsync(new byte[1024], cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("NaN")]
    [InlineData("86401")]
    public async Task Bad_values_are_usage_errors(string value)
    {
        var (exit, _, error) = await GeranosRun.RunAsync(["sync", "--source", "http://127.0.0.1:1", "--dest", "s3://mirror", "--source-timeout", value]);

        Assert.Equal(2, exit);
        Assert.Contains($"--source-timeout {value}: a number of seconds above 0 and at most 86400", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_help_names_the_option()
    {
        var (exit, output, _) = await GeranosRun.RunAsync(["sync", "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains("--source-timeout <seconds>", output, StringComparison.Ordinal);
    }

    private static (ResponseStream Stream, Pipe Pipe, FakeTimeProvider Time) Create()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();
#pragma warning disable CA2000 // The response belongs to the stream, which the test lets go with it.
        var stream = new ResponseStream(pipe.Reader.AsStream(), new HttpResponseMessage(), Timeout, time);
#pragma warning restore CA2000
        return (stream, pipe, time);
    }
}
