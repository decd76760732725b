using System.Collections;
using System.Globalization;
using Archeio.Configuration;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Table;
using Archeio.Sources;

namespace Archeio.Hosting;

/// <summary>
/// <c>archeio ranges fetch --out &lt;dir&gt;</c>: fetches every configured URL range source as the server does (its
/// settings, its HTTP handler, <see cref="RefreshedSource{T}"/> and <see cref="RangeSourceReader"/>) and writes what a
/// start needs into a directory for <c>RangesRefresh:BakedDirectory</c>: the cache's own files
/// (<see cref="RangeCache"/>: body, validators, <see cref="RangeSnapshot"/>), so that a start reads the snapshots and
/// needs neither the network nor a parse. The Dockerfile runs it at build time.
/// </summary>
/// <remarks>
/// All or nothing: every source is fetched and parsed into memory first, and only when all succeeded is the set
/// written, into a fresh directory beside <c>--out</c> that then replaces it by renames. A failed run leaves
/// <c>--out</c> as it was (absent, or the previous set), never a mix a start would half trust. File sources are
/// parsed (a broken one fails the run as it would fail a start) but not copied: a start reads them anyway.
/// </remarks>
internal static class RangesFetchCommand
{
    private const string Name = "archeio ranges fetch";

    /// <returns>0 when the set is written; 1 when a source failed or the set could not be written; 2 for a configuration error.</returns>
    public static async Task<int> RunAsync(CommandLine commandLine, IDictionary environment, TextWriter output, TextWriter error, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(time);
        if (await CommandSettings.ReadAsync(Name, commandLine.ConfigFile, environment, error) is not { } settings)
        {
            return 2;
        }

        var target = Path.GetFullPath(commandLine.OutDirectory!);
        if (File.Exists(target))
        {
            await error.WriteLineAsync($"{Name}: --out '{target}' is a file, not a directory");
            return 2;
        }

        if (ForeignEntry(target) is { } foreign)
        {
            // The directory is replaced whole: never a directory that holds anything this command did not write.
            await error.WriteLineAsync($"{Name}: refusing to replace '{target}': it holds '{foreign}', which is not a range copy");
            return 2;
        }

        using var http = new HttpClient(RangeLoadingService.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        var results = await Task.WhenAll(settings.Ranges.Select(source => FetchAsync(source, http, settings.RangesRefresh.FetchTimeout, time)));
        var failed = results.Where(r => r.Error is not null).ToList();
        foreach (var result in results)
        {
            var source = result.Source;
            if (result.Error is { } why)
            {
                await error.WriteLineAsync($"{Name}: {source.Cloud} source '{source.Source}' failed: {why}");
            }
            else if (result.Entry is null)
            {
                await output.WriteLineAsync($"{source.Cloud}: {result.Prefixes!.Count} prefixes in the file {source.Source} (a file is read at start, not baked)");
            }
            else
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{source.Cloud}: {result.Prefixes!.Count} prefixes from {source.Source} (ETag {result.Entry.ETag ?? "none"}, published {result.Entry.DataTime:u})"));
            }
        }

        if (failed.Count > 0)
        {
            await error.WriteLineAsync($"{Name}: {failed.Count} of {results.Length} range sources failed; nothing written to '{target}'");
            return 1;
        }

        var baked = results.Where(r => r.Entry is not null).ToList();
        try
        {
            await WriteSetAsync(target, baked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: could not write '{target}': {e.Message}; it is left as it was");
            return 1;
        }

        await output.WriteLineAsync($"wrote {baked.Count} range source{(baked.Count == 1 ? string.Empty : "s")} to {target}"
            + (baked.Count == 0 ? " (no URL sources are configured: nothing to bake)" : string.Empty));
        return 0;
    }

    /// <summary>One source, fetched (or read) and parsed in memory; never throws for a bad source.</summary>
    private static async Task<Fetched> FetchAsync(RangeSourceSettings source, HttpClient http, TimeSpan timeout, TimeProvider time)
    {
        var reader = new RefreshedSource<Fetched>(
            source.Source,
            async (content, token) =>
            {
                var (data, body) = await RangeSourceReader.ReadAsync(source, content, null, token);
                var entry = content.Validators is { } validators
                    ? new RangeCacheEntry(source.Source, validators.ETag, validators.LastModified, content.DataTime, time.GetUtcNow())
                    : null;
                return new Fetched(source, data.Prefixes, body.ToArray(), entry, null);
            },
            () => http,
            timeout,
            time,
            status => RangeSourceReader.StatusHint(source, status));
        var refresh = await reader.RefreshAsync(CancellationToken.None);
        return refresh.Change == SourceChange.Failed
            ? new Fetched(source, null, [], null, refresh.Error ?? "failed")
            : reader.Value!;
    }

    /// <summary>Writes the set into a new directory beside <paramref name="target"/>, then renames it into place.</summary>
    private static async Task WriteSetAsync(string target, IReadOnlyList<Fetched> baked)
    {
        var parent = Path.GetDirectoryName(target) ?? throw new IOException("--out cannot be a file system's root");
        Directory.CreateDirectory(parent);
        var unique = Guid.NewGuid().ToString("N");
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{unique}.tmp");
        var previous = Path.Combine(parent, $".{Path.GetFileName(target)}.{unique}.old");
        try
        {
            var copies = new RangeCache(staging);
            copies.Create();
            foreach (var result in baked)
            {
                var source = result.Source;
                await copies.WriteAsync(source, result.Body, result.Entry!, CancellationToken.None);
                var snapshot = RangeSnapshot.Encode(source.Format, RangeSnapshot.HashOf(result.Body), source.Cloud, result.Prefixes!);
                await copies.WriteSnapshotAsync(source, snapshot, CancellationToken.None);
            }

            if (Directory.Exists(target))
            {
                // Two renames in one directory: a reader sees the old set, then (after a moment with none) the new one.
                Directory.Move(target, previous);
                try
                {
                    Directory.Move(staging, target);
                }
                catch
                {
                    Directory.Move(previous, target);
                    throw;
                }

                Directory.Delete(previous, recursive: true);
            }
            else
            {
                Directory.Move(staging, target);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The first entry of an existing <paramref name="directory"/> that is not a file <see cref="RangeCache"/> writes; null if none.</summary>
    private static string? ForeignEntry(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(entry);
            if (Directory.Exists(entry) || !(name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".prefixes", StringComparison.Ordinal)))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>A source's outcome: its prefixes, body and sidecar (null for a file), or why it failed.</summary>
    private sealed record Fetched(RangeSourceSettings Source, IReadOnlyList<CloudPrefix>? Prefixes, byte[] Body, RangeCacheEntry? Entry, string? Error);
}
