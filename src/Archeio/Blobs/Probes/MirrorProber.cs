using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Archeio.Configuration;
using Archeio.Http;
using Archeio.Oci.Digests;
using Archeio.Signing;

namespace Archeio.Blobs.Probes;

/// <summary>
/// Fetches a mirror's probe object (<see cref="MirrorSettings.Probe"/>) the way registry clients fetch a blob, three
/// times: a <c>HEAD</c>; a <c>GET</c> of its first 1 KiB with <c>Range</c>, as clients resume a dropped download
/// (distribution-spec, "Pulling blobs": a registry SHOULD support range requests,
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs; RFC 9110 §14 for the
/// answer's shape); and a whole <c>GET</c> hashed against the digest, as every client verifies what it downloaded.
/// The HEAD alone is what the blob checks already send, and it said "fine" for a CDN that answered every range with
/// 400. Redirects are followed (at most 5), as clients follow them; all three requests share one
/// <c>Probes:Timeout</c>. Every check runs even after one failed, so that a report says everything that is wrong.
/// Used by <see cref="ProbeService"/> and by <c>archeio explain --check</c>.
/// </summary>
internal sealed class MirrorProber(HttpClient http, ProbeSettings settings, TimeProvider time, MirrorSigners? signers = null)
{
    private readonly MirrorSigners _signers = signers ?? MirrorSigners.None;

    public const string HttpClientName = "probe";

    /// <summary>The range check asks for <c>bytes=0-1023</c>.</summary>
    public const int RangeLength = 1024;

    private const int BufferSize = 64 * 1024;

    /// <summary>Registers the prober and its HTTP client (the server's <see cref="ProbeService"/> and <c>explain --check</c>).</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton(sp => new MirrorProber(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<ArcheioSettings>().Probes,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MirrorSigners>()));
        // Probes:Timeout bounds each probe, bodies included, on the injected clock.
        services.AddHttpClient(HttpClientName).AsProbeClient(pooledConnectionLifetime: TimeSpan.FromMinutes(5));
    }

    public async Task<ProbeReport> ProbeAsync(MirrorSettings mirror, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var probe = mirror.Probe ?? throw new ArgumentException("the mirror has no probe", nameof(mirror));
        // A private mirror's probes are signed like a client's redirect, each for its own method (SigV4 signs it).
        var unsigned = mirror.UrlFor(probe.Repository, probe.Digest);
        var headUrl = _signers.Sign(mirror, unsigned, HttpMethod.Head);
        var url = _signers.Sign(mirror, unsigned, HttpMethod.Get);
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        var token = linked.Token;

        var head = await RunAsync(ProbeCheck.Head, () => HeadAsync(headUrl, token), timeout, stopping);
        byte[]? partial = null;
        var range = await RunAsync(ProbeCheck.Range, async () =>
        {
            var (result, bytes) = await RangeAsync(url, probe.Digest, token);
            partial = bytes;
            return result;
        }, timeout, stopping);
        byte[]? first = null;
        var content = await RunAsync(ProbeCheck.Content, async () =>
        {
            var (result, bytes) = await ContentAsync(url, probe.Digest, token);
            first = bytes;
            return result;
        }, timeout, stopping);

        // A 206 is only right if its bytes are the object's: compared with the whole GET's verified first bytes.
        if (range.Passed && partial is not null && first is not null && !partial.AsSpan().SequenceEqual(first.AsSpan(0, Math.Min(first.Length, partial.Length))))
        {
            range = range with { Passed = false, Detail = range.Detail + ", but its bytes are not the object's first bytes" };
        }

        return new ProbeReport(mirror, [head, range, content], time.GetElapsedTime(started));
    }

    private async Task<ProbeCheckResult> HeadAsync(string url, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        return response.StatusCode == HttpStatusCode.OK
            ? Pass(ProbeCheck.Head, response.Content.Headers.ContentLength is { } length ? $"200, Content-Length {length}" : "200")
            : Fail(ProbeCheck.Head, $"HEAD answered {(int)response.StatusCode}");
    }

    /// <summary>The range check; on a 206, also the bytes it got, to compare with the whole object's.</summary>
    private async Task<(ProbeCheckResult Result, byte[]? Bytes)> RangeAsync(string url, string digest, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(0, RangeLength - 1);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // A server may ignore the range and send the whole object (RFC 9110 §14.2): clients cope, if it is right.
            var whole = await ReadAsync(response, digest, settings.MaxBytes, token);
            return (whole.Matches(digest)
                ? Pass(ProbeCheck.Range, $"200 with the whole object ({whole.Length} bytes; the range ignored), digest matches")
                : Fail(ProbeCheck.Range, "200 (the range ignored), but " + whole.Describe(digest, settings.MaxBytes)), null);
        }

        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            return (Fail(ProbeCheck.Range, $"GET with Range: bytes=0-{RangeLength - 1} answered {(int)response.StatusCode}"), null);
        }

        // RFC 9110 §14.4: a 206 names the range it sends; for bytes=0-1023 that is 0-1023, or less of a smaller object.
        var contentRange = response.Content.Headers.ContentRange;
        if (contentRange is not { Unit: "bytes", From: 0, To: { } to } || (contentRange.Length is { } total && to != Math.Min(RangeLength, total) - 1) || to >= RangeLength)
        {
            return (Fail(ProbeCheck.Range, $"206 with Content-Range '{contentRange?.ToString() ?? "(none)"}', not bytes 0-{RangeLength - 1} (or the whole of a smaller object)"), null);
        }

        var part = await ReadAsync(response, digest, RangeLength, token);
        if (part.Error is not null || part.Length != to + 1 || part.OverLimit)
        {
            return (Fail(ProbeCheck.Range, $"206 for {contentRange}, but {part.Error ?? $"with {part.Length} bytes"}"), null);
        }

        return (Pass(ProbeCheck.Range, "206, " + contentRange), part.First);
    }

    /// <summary>The whole-object check; also the first <see cref="RangeLength"/> bytes it read.</summary>
    private async Task<(ProbeCheckResult Result, byte[]? Bytes)> ContentAsync(string url, string digest, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (Fail(ProbeCheck.Content, $"GET answered {(int)response.StatusCode}"), null);
        }

        if (response.Content.Headers.ContentLength > settings.MaxBytes)
        {
            return (Fail(ProbeCheck.Content, $"the object is {response.Content.Headers.ContentLength} bytes, more than Probes:MaxBytes ({settings.MaxBytes}): probe a smaller one"), null);
        }

        var body = await ReadAsync(response, digest, settings.MaxBytes, token);
        return body.Matches(digest)
            ? (Pass(ProbeCheck.Content, $"200, {body.Length} bytes, digest matches"), body.First)
            : (Fail(ProbeCheck.Content, body.Describe(digest, settings.MaxBytes)), body.First);
    }

    /// <summary>Reads a body through a pooled buffer, hashing it, keeping its first bytes, and stopping past <paramref name="limit"/>.</summary>
    private static async Task<Body> ReadAsync(HttpResponseMessage response, string digest, long limit, CancellationToken token)
    {
        if (!Digest.TryCreateHash(digest, out var hash, out var error))
        {
            throw new ArgumentException(error, nameof(digest));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var first = new byte[RangeLength];
        var kept = 0;
        long length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(token);
            int read;
            while ((read = await stream.ReadAsync(buffer, token)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    return new Body(length, true, null, first[..kept], null);
                }

                hash.AppendData(buffer, 0, read);
                var keep = Math.Min(read, RangeLength - kept);
                buffer.AsSpan(0, keep).CopyTo(first.AsSpan(kept));
                kept += keep;
            }

            return new Body(length, false, Digest.Format(hash), first[..kept], null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // A connection dropped mid-body: what a client resuming with a range would have to recover from.
            return new Body(length, false, null, first[..kept], $"the body broke off after {length} bytes: {(ex.InnerException ?? ex).Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            hash.Dispose();
        }
    }

    /// <summary>Runs one check: the probe's timeout, a refused connection or a body that breaks off fail it; the host stopping does not.</summary>
    private async Task<ProbeCheckResult> RunAsync(ProbeCheck check, Func<Task<ProbeCheckResult>> run, CancellationTokenSource timeout, CancellationToken stopping)
    {
        try
        {
            return await run();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return Fail(check, $"timed out (Probes:Timeout {settings.Timeout.ToString("c", CultureInfo.InvariantCulture)})");
        }
        catch (HttpRequestException ex)
        {
            return Fail(check, "request failed: " + ex.Message);
        }
        catch (IOException ex)
        {
            return Fail(check, "the body broke off: " + ex.Message);
        }
    }

    private static ProbeCheckResult Pass(ProbeCheck check, string detail) => new(check, true, detail);

    private static ProbeCheckResult Fail(ProbeCheck check, string detail) => new(check, false, detail);

    /// <summary>What a probe read of a body.</summary>
    private sealed record Body(long Length, bool OverLimit, string? Digest, byte[] First, string? Error)
    {
        public bool Matches(string digest) => Error is null && !OverLimit && string.Equals(Digest, digest, StringComparison.Ordinal);

        public string Describe(string digest, int limit) => Error
            ?? (OverLimit
                ? $"the object is more than Probes:MaxBytes ({limit}) bytes: probe a smaller one"
                : $"its {Length} bytes hash to {Digest}, not {digest}");
    }
}
