using System.Collections.Immutable;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.Inventory;

/// <summary>
/// The inventory loader against a real HTTP server on loopback and real files, with time driven by a
/// <see cref="FakeTimeProvider"/>: a refresh happens when the test advances the clock by the interval,
/// and the test then polls (bounded) for its effect.
/// </summary>
public sealed class InventoryRefreshServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Interval = BlobCheckSettings.Default().InventoryRefresh;
    private static readonly DigestKey Pause = DigestKey.From(Digests.Pause);
    private static readonly DigestKey Missing = DigestKey.From(Digests.Missing);
    private static readonly DigestKey Sha512 = DigestKey.From(Digests.Sha512);

    private readonly FakeTimeProvider _time = new();
    private readonly MirrorInventories _inventories = new();
    private readonly ListLogger<InventoryRefreshService> _log = new();
    private readonly TempDirectory _directory = new("inventory");
    private ServiceProvider _services = null!;
    private InventoryServer _server = null!;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        InventoryRefreshService.AddTo(services);
        _services = services.BuildServiceProvider();
        _server = await InventoryServer.StartAsync(Digests.Pause + "\n" + Digests.Missing + "\n");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _services.DisposeAsync();
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_url_inventory_is_loaded_before_start_up_completes()
    {
        using var service = Create(_server.Url);

        await service.StartAsync(default);

        Assert.True(_inventories.Contains(0, Pause));
        Assert.True(_inventories.Contains(0, Missing));
        Assert.False(_inventories.Contains(0, Sha512));
        Assert.Equal(1, service.Counters.Loads);
        Assert.Equal(1, _server.Requests);
        Assert.Null(_server.LastIfNoneMatch);
        var loaded = Assert.Single(_log.At(LogLevel.Information));
        Assert.Contains("Mirror m0: loaded inventory " + _server.Url + ": 2 digests (2 lines)", loaded, StringComparison.Ordinal);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_file_inventory_is_loaded_before_start_up_completes()
    {
        var file = WriteFile(Digests.Pause, Digests.Sha512);
        using var service = Create(null, file);

        await service.StartAsync(default);

        Assert.False(_inventories.Has(0));
        Assert.True(_inventories.Contains(1, Pause));
        Assert.True(_inventories.Contains(1, Sha512));
        Assert.Equal(2, _inventories.CountOf(1));
        Assert.Equal(1, service.Counters.Loads);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task Several_inventories_load_side_by_side()
    {
        using var service = Create(_server.Url, WriteFile(Digests.Sha512), _server.Url);

        await service.StartAsync(default);

        Assert.Equal(2, _inventories.CountOf(0));
        Assert.Equal(1, _inventories.CountOf(1));
        Assert.Equal(2, _inventories.CountOf(2));
        Assert.Equal(3, service.Counters.Loads);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_changed_url_inventory_is_picked_up_after_the_interval()
    {
        using var service = await StartAsync(_server.Url);
        _server.Body = Digests.Sha512 + "\n";

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(1, _server.Requests);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => service.Counters.Loads == 2, "second load");

        Assert.True(_inventories.Contains(0, Sha512));
        Assert.False(_inventories.Contains(0, Pause));
        Assert.Equal(2, _server.Requests);
        Assert.Equal(InventoryServer.ETagOf(Digests.Pause + "\n" + Digests.Missing + "\n"), _server.LastIfNoneMatch);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task An_unchanged_url_inventory_costs_a_304_and_is_kept()
    {
        using var service = await StartAsync(_server.Url);

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.NotModified == 1, "304");
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.NotModified == 2, "second 304");

        Assert.Equal(2, _server.NotModifiedAnswers);
        Assert.Equal(1, service.Counters.Loads);
        Assert.Equal(0, service.Counters.Failures);
        Assert.True(_inventories.Contains(0, Pause));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task Last_modified_is_sent_back_as_if_modified_since()
    {
        _server.SendETag = false;
        _server.LastModified = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        using var service = await StartAsync(_server.Url);

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.NotModified == 1, "304");
        Assert.Equal("Sun, 01 Mar 2026 12:00:00 GMT", _server.LastIfModifiedSince);
        Assert.Null(_server.LastIfNoneMatch);

        _server.Body = Digests.Sha512;
        _server.LastModified = _server.LastModified.Value.AddMinutes(1);
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Loads == 2, "reload");
        Assert.True(_inventories.Contains(0, Sha512));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_malformed_update_keeps_the_last_good_inventory()
    {
        using var service = await StartAsync(_server.Url);
        _server.Body = Digests.Sha512 + "\n<html>Access denied</html>\n";

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Failures == 1, "failure");

        Assert.True(_inventories.Contains(0, Pause));
        Assert.False(_inventories.Contains(0, Sha512));
        var error = Assert.Single(_log.At(LogLevel.Error));
        Assert.Contains("Mirror m0", error, StringComparison.Ordinal);
        Assert.Contains("line 2: '<html>Access denied</html>' is not a digest", error, StringComparison.Ordinal);
        Assert.Contains("Keeping the previous one (2 digests)", error, StringComparison.Ordinal);

        // Once fixed, the next refresh loads it: a bad version is not remembered as "unchanged".
        _server.Body = Digests.Sha512;
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Loads == 2, "reload");
        Assert.True(_inventories.Contains(0, Sha512));
        await service.StopAsync(default);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_failed_fetch_keeps_the_last_good_inventory(int status)
    {
        using var service = await StartAsync(_server.Url);
        _server.ForcedStatus = status;

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Failures == 1, "failure");

        Assert.True(_inventories.Contains(0, Pause));
        var error = Assert.Single(_log.At(LogLevel.Error));
        Assert.Contains($"Mirror m0: could not load inventory {_server.Url}: the server answered {status}", error, StringComparison.Ordinal);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_refused_connection_keeps_the_last_good_inventory()
    {
        using var service = await StartAsync(_server.Url);
        await _server.DisposeAsync();
        _server = await InventoryServer.StartAsync();

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Failures == 1, "failure");

        Assert.True(_inventories.Contains(0, Pause));
        Assert.Contains("Mirror m0", Assert.Single(_log.At(LogLevel.Error)), StringComparison.Ordinal);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_failing_inventory_does_not_prevent_start_up()
    {
        _server.ForcedStatus = 503;
        var missingFile = _directory.Combine("gone.txt");
        using var service = Create(_server.Url, missingFile, WriteFile(Digests.Pause));

        await service.StartAsync(default);

        Assert.False(_inventories.Has(0));
        Assert.False(_inventories.Has(1));
        Assert.True(_inventories.Contains(2, Pause));
        Assert.Equal(2, service.Counters.Failures);
        var errors = _log.At(LogLevel.Error);
        Assert.Contains(errors, e => e.Contains("Mirror m0", StringComparison.Ordinal) && e.Contains("503", StringComparison.Ordinal) && e.Contains("checked by HEAD", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Mirror m1", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));

        // It is tried again at the next refresh.
        _server.ForcedStatus = null;
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => _inventories.Has(0), "load after recovery");
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_slow_inventory_does_not_hold_start_up_beyond_the_wait()
    {
        await using var hanging = new HangingServer();
        using var service = Create("http://127.0.0.1:" + hanging.Port + "/geranos/inventory.txt", _server.Url);

        var start = service.StartAsync(default);
        await Eventually.TrueAsync(() => hanging.Accepted == 1 && _inventories.Has(1), "both loads under way");
        Assert.False(start.IsCompleted);
        _time.Advance(InventoryRefreshService.StartupWait);
        await start.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(_inventories.Has(0));
        Assert.Contains(_log.At(LogLevel.Error), e => e.Contains("Mirror m0", StringComparison.Ordinal) && e.Contains("not loaded within 00:00:30", StringComparison.Ordinal));

        // The load goes on in the background, until its own timeout.
        _time.Advance(InventoryRefreshService.LoadTimeout - InventoryRefreshService.StartupWait);
        await Eventually.TrueAsync(() => service.Counters.Failures >= 1, "load timeout");
        Assert.Contains(_log.At(LogLevel.Error), e => e.Contains("Mirror m0", StringComparison.Ordinal) && e.Contains("timed out after 00:10:00", StringComparison.Ordinal));
        await service.StopAsync(default).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_unchanged_file_is_not_read_again()
    {
        var file = WriteFile(Digests.Pause);
        using var service = await StartAsync(file);

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.NotModified == 1, "unchanged");

        Assert.Equal(1, service.Counters.Loads);
        Assert.True(_inventories.Contains(0, Pause));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_changed_file_is_read_again_after_the_interval()
    {
        var file = WriteFile(Digests.Pause);
        using var service = await StartAsync(file);

        // Same length, new time: still a change.
        File.WriteAllText(file, Digests.Missing + "\n");
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(1));
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Loads == 2, "reload");
        Assert.True(_inventories.Contains(0, Missing));
        Assert.False(_inventories.Contains(0, Pause));

        // Same time, new length: still a change.
        var time = File.GetLastWriteTimeUtc(file);
        File.WriteAllText(file, Digests.Missing + "\n" + Digests.Sha512 + "\n");
        File.SetLastWriteTimeUtc(file, time);
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Loads == 3, "second reload");
        Assert.True(_inventories.Contains(0, Sha512));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_malformed_or_deleted_file_keeps_the_last_good_inventory()
    {
        var file = WriteFile(Digests.Pause);
        using var service = await StartAsync(file);

        File.WriteAllText(file, Digests.Missing + "\nsha256:short\n");
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Failures == 1, "malformed");
        Assert.Contains("line 2: 'sha256:short' is not a digest", Assert.Single(_log.At(LogLevel.Error)), StringComparison.Ordinal);

        File.Delete(file);
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => service.Counters.Failures == 2, "deleted");

        Assert.True(_inventories.Contains(0, Pause));
        Assert.False(_inventories.Contains(0, Missing));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_query_string_is_not_logged()
    {
        using var service = await StartAsync(_server.Url + "?X-Amz-Signature=secret");

        Assert.True(_inventories.Has(0));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("secret", StringComparison.Ordinal));
        Assert.Contains(_log.At(LogLevel.Information), e => e.Contains(_server.Url + "?…", StringComparison.Ordinal));
        await service.StopAsync(default);
    }

    [Fact]
    public async Task Mirrors_without_an_inventory_are_left_alone()
    {
        using var service = Create(null, null);

        await service.StartAsync(default);
        _time.Advance(Interval);

        Assert.False(_inventories.Has(0));
        Assert.Empty(_log.Entries);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task Disposing_twice_is_harmless()
    {
        // The container disposes it twice: it is registered as itself and as a hosted service.
        var service = await StartAsync(_server.Url);
        await service.StopAsync(default);

        service.Dispose();
        service.Dispose();
    }

    private async Task<InventoryRefreshService> StartAsync(string inventory)
    {
        var service = Create(inventory);
        await service.StartAsync(default);
        Assert.True(_inventories.Has(0), "first load");
        return service;
    }

    private InventoryRefreshService Create(params string?[] inventories)
    {
        var mirrors = inventories.Select((inventory, i) => new MirrorSettings("m" + i, $"https://m{i}.example/blobs/{{digest}}", i, inventory)).ToImmutableArray();
        return new InventoryRefreshService(
            TestSettings.Create(mirrors),
            _inventories,
            _services.GetRequiredService<IHttpClientFactory>(),
            _time,
            _log);
    }

    private string WriteFile(params string[] digests)
    {
        var path = _directory.Combine(Guid.NewGuid().ToString("n") + ".txt");
        File.WriteAllLines(path, digests);
        return path;
    }
}
