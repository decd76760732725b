using Archeio.Blobs.SharedStore;
using Archeio.Blobs.Cache;
using System.Collections.Concurrent;
using System.Net;
using Archeio.Blobs.Inventory;
using Archeio.Configuration;
using Archeio.Signing;
using Archeio.Oci.MediaTypes;

namespace Archeio.Blobs;

/// <summary>
/// Answers "does this mirror hold this blob?" at the cost of at most one HEAD per (mirror, digest) per cache
/// lifetime, in this order:
/// <list type="number">
/// <item>a mirror out of rotation (its probe failed: <see cref="TakeOutOfRotation"/>) holds nothing, for now;</item>
/// <item>the mirror's inventory (digests it is known to hold: present, no HEAD);</item>
/// <item>the local cache (present for <c>PresentTtl</c>, absent for <c>AbsentTtl</c>; bounded, LRU);</item>
/// <item>concurrent callers for the same uncached key share one resolution (coalescing);</item>
/// <item>the shared store (Redis), when configured;</item>
/// <item>the mirror's circuit breaker (an open one skips the mirror) and the limit on HEADs in flight
/// (past it, the request falls through at once);</item>
/// <item>a HEAD of the mirror's blob URL: 200 is present, another answer below 500 absent (a mirror's own
/// redirects are not followed), 5xx, a connection error or a timeout is a failure (absent for this request
/// only, not cached, counted by the breaker).</item>
/// </list>
/// A caller waits at most until its <c>budget</c> token fires (the request's share of <c>BlobCheck:Timeout</c>):
/// then the answer is "absent" for that request only, while a shared HEAD goes on and caches its result.
/// </summary>
internal sealed partial class BlobChecker : IBlobPresence, IDisposable
{
    public const string HttpClientName = "blob-check";

    private static readonly string ManifestAccept = string.Join(", ", ManifestMediaTypes.All);

    private readonly HttpClient _http;
    private readonly BlobCheckSettings _settings;
    private readonly BlobPresenceCache _cache;

    // (candidate, digest) pairs whose served bytes did not hash to the digest (ReportServeFailure with forget): absent
    // for AbsentTtl whatever the inventory, the cache or a HEAD says, so that the client's retry goes elsewhere.
    private readonly BlobPresenceCache _refused;

    // Whether anything was ever refused: the check before every known-answer lookup stays one read, not a shard's
    // lock, for the servers that never proxy (the hot path: docs/performance.md).
    private volatile bool _anyRefused;
    private readonly MirrorInventories _inventories;
    private readonly IBlobResultStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobChecker> _logger;
    private readonly CircuitBreaker[] _breakers;
    private readonly SemaphoreSlim _limiter;
    private readonly ConcurrentDictionary<BlobKey, Task<bool?>> _inFlight = new();
    private readonly IBlobCheckObserver? _observer;
    private readonly MirrorSigners _signers;

    // Candidates whose answers do not depend on the repository, for the size of a blob no holder was found for.
    private readonly Candidate[] _candidates;

    public BlobChecker(
        IHttpClientFactory httpClientFactory,
        ArcheioSettings settings,
        MirrorInventories inventories,
        IBlobResultStore store,
        BlobCheckCounters counters,
        TimeProvider time,
        ILogger<BlobChecker> logger,
        IBlobCheckObserver? observer = null,
        MirrorSigners? signers = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings.BlobCheck;
        // One client for the service's lifetime: its handler pools connections to each mirror.
        _http = httpClientFactory.CreateClient(HttpClientName);
        _cache = new BlobPresenceCache(_settings.MaxEntries, time);
        _refused = new BlobPresenceCache(Math.Min(_settings.MaxEntries, 10_000), time);
        _inventories = inventories;
        _store = store;
        Counters = counters;
        _time = time;
        _logger = logger;
        _observer = observer;
        _signers = signers ?? MirrorSigners.None;
        _candidates = [.. settings.Candidates.Where(c => !c.IsRepositoryScoped)];
        _breakers = [.. settings.Candidates.Select(_ => new CircuitBreaker(_settings.BreakAfter, _settings.BreakFor, time))];
        _limiter = new SemaphoreSlim(_settings.MaxConcurrent, _settings.MaxConcurrent);
    }

    public BlobCheckCounters Counters { get; }

    /// <summary>The local cache, for tests and diagnostics.</summary>
    internal BlobPresenceCache Cache => _cache;

    internal BreakerState BreakerOf(Candidate mirror) => _breakers[mirror.Index].State;

    /// <summary>Why and since when a failed probe keeps <paramref name="mirror"/> out of rotation; null while it is in.</summary>
    internal ProbeHold? OutOfRotation(Candidate mirror) => _breakers[mirror.Index].Hold;

    /// <summary>
    /// A probe failed: the mirror's breaker is held open with <paramref name="reason"/>, and every request finds the
    /// mirror absent (without a HEAD, whatever its inventory and cache say) until <see cref="ReturnToRotation"/>.
    /// </summary>
    internal void TakeOutOfRotation(Candidate mirror, string reason)
        => Report(mirror, _breakers[mirror.Index].HoldOpen(reason, _time.GetUtcNow()));

    /// <summary>A probe passed: the mirror's breaker closes if a probe held it open.</summary>
    internal void ReturnToRotation(Candidate mirror) => Report(mirror, _breakers[mirror.Index].ReleaseHold());

    /// <inheritdoc/>
    public void ReportServeFailure(Candidate source, string name, string digest, bool forget)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(source.Index, _breakers.Length, nameof(source));
        Report(source, _breakers[source.Index].OnFailure());
        if (forget)
        {
            // Forgetting "present" is not enough: the next HEAD (a lying mirror's says 200) or its inventory would
            // believe it again, and its successful HEAD would reset the failure just counted, so the breaker never
            // opened and every retry met the same wrong bytes. Its bytes are known wrong: absent, for a while.
            var key = KeyOf(source, name, digest);
            _cache.Remove(key);
            _refused.Set(key, present: false, _settings.AbsentTtl);
            _anyRefused = true;
        }
    }

    public async ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mirror.Index, _breakers.Length, nameof(mirror));
        if (_breakers[mirror.Index].IsHeld)
        {
            Counters.BreakerSkip();
            return false;
        }

        var key = KeyOf(mirror, name, digest);
        if (TryGetKnown(key, out var present, out _))
        {
            return present;
        }

        Counters.CacheMiss();
        if (budget.IsCancellationRequested)
        {
            Counters.BudgetExpiry();
            return false;
        }

        // An upstream registry scopes blobs by repository: its answers are per (repository, digest); a manifest
        // store's answers are kept apart from the blob store's of the same candidate.
        var scoped = (mirror is ManifestView ? "manifests/" : string.Empty) + (mirror.IsRepositoryScoped ? name + "@" + digest : digest);
        var resolution = new TaskCompletionSource<bool?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inFlight.GetOrAdd(key, resolution.Task);
        if (shared == resolution.Task)
        {
            _ = ResolveAsync(key, mirror, name, digest, scoped, resolution);
        }
        else
        {
            Counters.CoalescedWait();
        }

        try
        {
            return await shared.WaitAsync(budget) ?? false;
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            Counters.BudgetExpiry();
            return false;
        }
    }

    public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present) => TryGetKnown(mirror, name, digest, out present, out _);

    public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present, out long size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mirror.Index, _breakers.Length, nameof(mirror));
        if (_breakers[mirror.Index].IsHeld)
        {
            Counters.BreakerSkip();
            present = false;
            size = -1;
            return true;
        }

        return TryGetKnown(KeyOf(mirror, name, digest), out present, out size);
    }

    /// <inheritdoc/>
    public long SizeOf(Candidate? holder, string name, string digest)
    {
        if (holder is not null)
        {
            // Read again, uncounted: the holder's answer was just found, in its inventory or the cache (a HEAD's).
            var holderKey = KeyOf(holder, name, digest);
            if (_inventories.Contains(holderKey.Mirror, holderKey.Digest, out var listed) && listed >= 0)
            {
                return listed;
            }

            return _cache.TryGet(holderKey, out var present, out var size) && present ? size : -1;
        }

        // No candidate of the rule holds it, so it goes to an upstream: another candidate's present answer (a mirror of
        // another rule, one out of rotation) may still have said how large the blob is. Only when no candidate held it.
        var key = DigestKey.From(digest);
        foreach (var candidate in _candidates)
        {
            if (_inventories.Contains(candidate.Slot, key, out var listed) && listed >= 0)
            {
                return listed;
            }

            if (_cache.TryGet(new BlobKey(candidate.Slot, key), out var present, out var size) && present && size >= 0)
            {
                return size;
            }
        }

        return -1;
    }

    /// <summary>Inventory, then local cache; counts the hit.</summary>
    private bool TryGetKnown(in BlobKey key, out bool present, out long size)
    {
        if (_anyRefused && _refused.TryGet(key, out _))
        {
            Counters.CacheHit();
            present = false;
            size = -1;
            return true;
        }

        if (_inventories.Contains(key.Mirror, key.Digest, out size))
        {
            Counters.InventoryHit();
            present = true;
            return true;
        }

        if (_cache.TryGet(key, out present, out size))
        {
            Counters.CacheHit();
            return true;
        }

        return false;
    }

    /// <summary>
    /// The key of a check. An upstream registry scopes blobs by repository: its answers are per
    /// <c>repository@digest</c>, hashed from a stack copy rather than a concatenated string.
    /// </summary>
    private static BlobKey KeyOf(Candidate mirror, string name, string digest)
    {
        if (!mirror.IsRepositoryScoped)
        {
            return new BlobKey(mirror.Slot, DigestKey.From(digest));
        }

        var length = name.Length + 1 + digest.Length;
        var scoped = length <= 1024 ? stackalloc char[length] : new char[length];
        name.CopyTo(scoped);
        scoped[name.Length] = '@';
        digest.CopyTo(scoped[(name.Length + 1)..]);
        return new BlobKey(mirror.Slot, DigestKey.From(scoped));
    }

    /// <summary>Finds the answer for one key once, for every caller waiting on it. Never throws.</summary>
    private async Task ResolveAsync(BlobKey key, Candidate mirror, string name, string digest, string scoped, TaskCompletionSource<bool?> resolution)
    {
        bool? result = null;
        try
        {
            result = await ResolveCoreAsync(key, mirror, name, digest, scoped);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogResolveFailed(_logger, mirror.Name, digest, ex);
        }
        finally
        {
            // The cache is written before the key leaves the in-flight table, so a caller that misses the
            // in-flight entry finds the answer in the cache (ResolveCoreAsync looks again first).
            _inFlight.TryRemove(new KeyValuePair<BlobKey, Task<bool?>>(key, resolution.Task));
            resolution.SetResult(result);
        }
    }

    // scoped: the shared store's key part, the digest, or repository@digest for an upstream.
    private async Task<bool?> ResolveCoreAsync(BlobKey key, Candidate mirror, string name, string digest, string scoped)
    {
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }

        if (await _store.TryGetAsync(mirror, scoped, CancellationToken.None) is { } stored)
        {
            Counters.SharedHit();
            _cache.Set(key, stored.Present, stored.Present ? _settings.PresentTtl : _settings.AbsentTtl, stored.Present ? stored.Size : -1);
            return stored.Present;
        }

        var breaker = _breakers[mirror.Index];
        if (!breaker.TryAcquire(out var changed))
        {
            Counters.BreakerSkip();
            return null;
        }

        Report(mirror, changed);
        if (!_limiter.Wait(0))
        {
            breaker.Release();
            Counters.LimitSkip();
            LogLimitReached(_logger, mirror.Name, _settings.MaxConcurrent);
            return null;
        }

        HeadOutcome outcome;
        long size;
        try
        {
            (outcome, size) = await HeadAsync(mirror, name, digest);
        }
        finally
        {
            _limiter.Release();
        }

        Counters.Head(outcome);
        if (outcome == HeadOutcome.Failed)
        {
            Report(mirror, breaker.OnFailure());
            return null;
        }

        Report(mirror, breaker.OnAnswer());
        var present = outcome == HeadOutcome.Present;
        var ttl = present ? _settings.PresentTtl : _settings.AbsentTtl;
        _cache.Set(key, present, ttl, size);
        _store.Set(mirror, scoped, present, ttl, size);
        return present;
    }

    /// <summary>The HEAD's outcome, and for a present answer its <c>Content-Length</c>: the size a client sent there downloads (RFC 9110 §8.6: a HEAD's is the GET's); -1 without one.</summary>
    private async Task<(HeadOutcome Outcome, long Size)> HeadAsync(Candidate mirror, string name, string digest)
    {
        using var timeout = new CancellationTokenSource(_settings.Timeout, _time);
        try
        {
            // A private mirror answers only a signed HEAD: signed now, for this check alone.
            using var request = new HttpRequestMessage(HttpMethod.Head, _signers.Sign(mirror, mirror.CheckUrl(name, digest), HttpMethod.Head));
            if (mirror is ManifestView)
            {
                // A registry answers a manifest HEAD only for the media types the client accepts (distribution-spec,
                // "Pulling manifests"): every OCI and Docker type, as clients send.
                request.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var length = response.Content.Headers.ContentLength;
                _observer?.OnHead(mirror, HeadOutcome.Present, false, length);
                return (HeadOutcome.Present, length ?? -1);
            }

            LogAbsent(_logger, mirror.Name, digest, status);
            var outcome = status >= 500 ? HeadOutcome.Failed : HeadOutcome.Absent;
            _observer?.OnHead(mirror, outcome, false, null);
            return (outcome, -1);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            LogTimeout(_logger, mirror.Name, digest, _settings.Timeout);
            _observer?.OnHead(mirror, HeadOutcome.Failed, true, null);
            return (HeadOutcome.Failed, -1);
        }
        catch (HttpRequestException ex)
        {
            LogFailed(_logger, mirror.Name, digest, ex.Message);
            _observer?.OnHead(mirror, HeadOutcome.Failed, false, null);
            return (HeadOutcome.Failed, -1);
        }
    }

    private void Report(Candidate mirror, BreakerState? changedTo)
    {
        if (changedTo is { } state)
        {
            Counters.BreakerChanged(state);
            LogBreaker(_logger, mirror.Name, state);
        }
    }

    /// <summary>Registers the HTTP client the checks use: a mirror's redirect is not "present", only a direct 200 counts.</summary>
    public static IHttpClientBuilder AddHttpClient(IServiceCollection services)
        => services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseCookies = false,
            })
            // SocketsHttpHandler pools and recycles connections itself; the factory need not rotate handlers.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _http.Dispose();
        _limiter.Dispose();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Mirror {Mirror} does not hold {Digest}: HEAD answered {Status}")]
    private static partial void LogAbsent(ILogger logger, string mirror, string digest, int status);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Mirror {Mirror}: HEAD for {Digest} timed out after {Timeout}")]
    private static partial void LogTimeout(ILogger logger, string mirror, string digest, TimeSpan timeout);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Mirror {Mirror}: HEAD for {Digest} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string mirror, string digest, string error);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Mirror {Mirror}: circuit breaker now {State}")]
    private static partial void LogBreaker(ILogger logger, string mirror, BreakerState state);

    [LoggerMessage(EventId = 24, Level = LogLevel.Debug, Message = "Mirror {Mirror}: {Limit} HEADs already in flight; falling through without a check")]
    private static partial void LogLimitReached(ILogger logger, string mirror, int limit);

    [LoggerMessage(EventId = 25, Level = LogLevel.Error, Message = "Mirror {Mirror}: checking {Digest} failed unexpectedly")]
    private static partial void LogResolveFailed(ILogger logger, string mirror, string digest, Exception exception);
}
