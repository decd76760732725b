using Archeio.Blobs.Probes;
using Archeio.Configuration;

namespace Archeio.Tests.Blobs.Probes;

/// <summary>The probe's three checks against a real loopback target, one way of breaking at a time.</summary>
public sealed class MirrorProberTests : IAsyncLifetime, IDisposable
{
    private static readonly ProbeSettings Settings = ProbeSettings.Default with { Timeout = TimeSpan.FromSeconds(10), MaxBytes = 64 * 1024 };

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5, UseCookies = false });
    private ProbeTarget _target = null!;
    private ProbeTarget _small = null!;

    public async Task InitializeAsync()
    {
        _target = await ProbeTarget.StartAsync(10_000);
        _small = await ProbeTarget.StartAsync(100);
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        await _small.DisposeAsync();
    }

    [Fact]
    public async Task A_working_target_passes_every_check_with_HEAD_a_range_and_a_whole_GET()
    {
        var report = await ProbeAsync(_target);

        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Null(report.FailureReason);
        Assert.Equal([ProbeCheck.Head, ProbeCheck.Range, ProbeCheck.Content], report.Checks.Select(c => c.Check));
        Assert.Equal(["HEAD ", "GET bytes=0-1023", "GET "], _target.Requests);
        Assert.Contains("206, bytes 0-1023/10000", report.Checks[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_that_refuses_ranges_with_400_fails_the_range_check_only()
    {
        _target.Mode = TargetMode.RangeRefused;

        var report = await ProbeAsync(_target);

        Assert.False(report.Passed);
        Assert.Equal([true, false, true], report.Checks.Select(c => c.Passed));
        Assert.Equal("range: GET with Range: bytes=0-1023 answered 400", report.FailureReason);
    }

    [Fact]
    public async Task A_target_that_ignores_ranges_and_sends_the_right_whole_object_passes()
    {
        _target.Mode = TargetMode.RangeIgnored;

        var report = await ProbeAsync(_target);

        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Contains("the range ignored", report.Checks[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_206_with_other_bytes_fails_the_range_check()
    {
        _target.Mode = TargetMode.RangeWrongBytes;

        var report = await ProbeAsync(_target);

        Assert.Equal([true, false, true], report.Checks.Select(c => c.Passed));
        Assert.Contains("not the object's first bytes", report.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_do_not_hash_to_the_digest_fail_the_content_check()
    {
        _target.Mode = TargetMode.Corrupt;

        var report = await ProbeAsync(_target);

        Assert.False(report.Checks[2].Passed);
        Assert.Contains("hash to sha256:", report.Checks[2].Detail, StringComparison.Ordinal);
        Assert.Contains("not " + _target.Digest, report.Checks[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_HEAD_that_answers_404_fails_the_head_check()
    {
        _target.Mode = TargetMode.HeadMissing;

        var report = await ProbeAsync(_target);

        Assert.Equal([false, true, true], report.Checks.Select(c => c.Passed));
        Assert.Equal("head: HEAD answered 404", report.FailureReason);
    }

    [Fact]
    public async Task A_body_that_breaks_off_fails_the_content_check()
    {
        _target.Mode = TargetMode.Truncated;

        var report = await ProbeAsync(_target);

        // The drop reaches the client after the headers (the body broke off) or, when the reset overtakes them, before.
        Assert.Equal([true, true, false], report.Checks.Select(c => c.Passed));
        Assert.Matches("^(the body broke off after [0-9]+ bytes|request failed): ", report.Checks[2].Detail);
    }

    [Fact]
    public async Task An_object_above_MaxBytes_fails_with_the_setting_named()
    {
        var report = await ProbeAsync(_target, Settings with { MaxBytes = 4096 });

        Assert.False(report.Checks[2].Passed);
        Assert.Contains("Probes:MaxBytes (4096)", report.Checks[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirects_are_followed_as_clients_follow_them_keeping_the_method_and_the_range()
    {
        _target.Mode = TargetMode.Redirect;

        var report = await ProbeAsync(_target);

        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Equal(["HEAD ", "HEAD ", "GET bytes=0-1023", "GET bytes=0-1023", "GET ", "GET "], _target.Requests);
    }

    [Fact]
    public async Task An_object_smaller_than_the_range_passes_with_its_whole_length()
    {
        var report = await ProbeAsync(_small);

        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Contains("bytes 0-99/100", report.Checks[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_that_never_answers_fails_every_check_within_the_timeout()
    {
        _target.Mode = TargetMode.Hang;

        var report = await ProbeAsync(_target, Settings with { Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.All(report.Checks, c => Assert.StartsWith("timed out (Probes:Timeout", c.Detail, StringComparison.Ordinal));
        Assert.True(report.Elapsed < TimeSpan.FromSeconds(5), report.Elapsed.ToString());
    }

    [Fact]
    public async Task A_refused_connection_fails_every_check()
    {
        var closed = new MirrorSettings("closed", "http://127.0.0.1:" + Archeio.TestBed.LoopbackPorts.Free() + "/containers/images/{digest}", 0, null, new MirrorProbe("", _target.Digest));

        var report = await new MirrorProber(_http, Settings, TimeProvider.System).ProbeAsync(closed, default);

        Assert.All(report.Checks, c => Assert.StartsWith("request failed", c.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mirror_laid_out_per_repository_is_probed_under_the_probe_s_repository()
    {
        var mirror = new MirrorSettings("byname", _target.BlobUrlTemplate.Replace("/containers/images/", "/{name}/blobs/", StringComparison.Ordinal), 0, null, new MirrorProbe("library/pause", _target.Digest));

        var report = await new MirrorProber(_http, Settings, TimeProvider.System).ProbeAsync(mirror, default);

        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.All(_target.Paths, path => Assert.Equal("/library/pause/blobs/" + _target.Digest, path));
        Assert.Equal(3, _target.Paths.Count);
    }

    private Task<ProbeReport> ProbeAsync(ProbeTarget target, ProbeSettings? settings = null)
        => new MirrorProber(_http, settings ?? Settings, TimeProvider.System).ProbeAsync(
            new MirrorSettings("m", target.BlobUrlTemplate, 0, null, new MirrorProbe("", target.Digest)), default);
}
