using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Archeio.Configuration;

namespace Archeio.Ranges.Loading;

/// <summary>
/// The copies of URL range sources kept in <c>RangesRefresh:CacheDirectory</c>, so that a restart starts
/// from the last good data at once instead of waiting for (or going without) the providers; and every
/// source's parsed prefixes (<see cref="RangeSnapshot"/>, files included), so that it starts without
/// parsing the JSON again.
/// </summary>
/// <remarks>
/// Each URL source gets <c>&lt;cloud&gt;-&lt;hash&gt;.json</c> (the body exactly as fetched) and
/// <c>&lt;cloud&gt;-&lt;hash&gt;.meta.json</c> (a <see cref="RangeCacheEntry"/>), where the hash is the
/// URL's XxHash64 in 16 hex digits: stable across restarts, safe on any file system, and
/// distinct for two URLs of one cloud; every source (URL or file) also gets <c>&lt;cloud&gt;-&lt;hash&gt;.prefixes</c>,
/// its snapshot. Each file is written to a temporary name and moved over the old
/// one, so a crash never leaves a half-written file. The body is moved first: a crash between the two
/// moves leaves a new body with the old validators, which only costs one full download (the server
/// does not answer 304 to stale validators), whereas the other order could pin a stale body behind
/// new validators.
/// </remarks>
internal sealed class RangeCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>The file name (without extension) of a source's copy.</summary>
    public static string Stem(RangeSourceSettings source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var cloud = new StringBuilder(source.Cloud.Length);
        foreach (var c in source.Cloud)
        {
            cloud.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? char.ToLowerInvariant(c) : '_');
        }

        var hash = Convert.ToHexStringLower(XxHash64.Hash(Encoding.UTF8.GetBytes(source.Source)));
        return cloud + "-" + hash;
    }

    public string BodyPath(RangeSourceSettings source) => Path.Combine(Directory, Stem(source) + ".json");

    public string EntryPath(RangeSourceSettings source) => Path.Combine(Directory, Stem(source) + ".meta.json");

    public string SnapshotPath(RangeSourceSettings source) => Path.Combine(Directory, Stem(source) + ".prefixes");

    /// <summary>Creates the directory if missing.</summary>
    public void Create() => System.IO.Directory.CreateDirectory(Directory);

    /// <summary>
    /// The cached body and sidecar of <paramref name="source"/>, or null when there is none (never
    /// fetched, or a crash before the sidecar was first written).
    /// </summary>
    /// <exception cref="InvalidDataException">The sidecar is not valid or names another URL.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public async Task<(byte[] Body, RangeCacheEntry Entry)?> ReadAsync(RangeSourceSettings source, CancellationToken cancellationToken)
    {
        var entryPath = EntryPath(source);
        var bodyPath = BodyPath(source);
        if (!File.Exists(entryPath) || !File.Exists(bodyPath))
        {
            return null;
        }

        RangeCacheEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(entryPath, cancellationToken), RangeCacheJsonContext.Default.RangeCacheEntry);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{entryPath}: {e.Message}", e);
        }

        if (entry is null || !string.Equals(entry.Source, source.Source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{entryPath}: written for another source ('{entry?.Source}')");
        }

        return (await File.ReadAllBytesAsync(bodyPath, cancellationToken), entry);
    }

    /// <summary>Replaces the copy of <paramref name="source"/>, body first (see the remarks on the type).</summary>
    public async Task WriteAsync(RangeSourceSettings source, ReadOnlyMemory<byte> body, RangeCacheEntry entry, CancellationToken cancellationToken)
    {
        await WriteAtomicallyAsync(BodyPath(source), body, cancellationToken);
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, RangeCacheJsonContext.Default.RangeCacheEntry);
        await WriteAtomicallyAsync(EntryPath(source), json, cancellationToken);
    }

    /// <summary>The snapshot of <paramref name="source"/>'s prefixes, or null when there is none.</summary>
    /// <exception cref="IOException">It cannot be read.</exception>
    public byte[]? ReadSnapshot(RangeSourceSettings source)
    {
        try
        {
            return File.ReadAllBytes(SnapshotPath(source));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Replaces the snapshot of <paramref name="source"/>'s prefixes.</summary>
    public Task WriteSnapshotAsync(RangeSourceSettings source, byte[] snapshot, CancellationToken cancellationToken) =>
        WriteAtomicallyAsync(SnapshotPath(source), snapshot, cancellationToken);

    private static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
