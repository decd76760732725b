using System.Buffers;
using System.Net;
using System.IO.Hashing;
using Archeio.Configuration;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;
using Archeio.Sources;

namespace Archeio.Ranges.Loading;

/// <summary>
/// How a range source's bytes become its prefixes (the <see cref="SourceParser{T}"/> of its
/// <see cref="RefreshedSource{T}"/>), with the snapshots of <see cref="RangeCache"/>. Shared by the loader/refresher
/// and <c>archeio explain</c>.
/// </summary>
internal static class RangeSourceReader
{
    /// <summary>Where Microsoft lists the current Azure Service Tags file; its URL changes with every weekly publication.</summary>
    public const string AzureDownloadPage = "https://www.microsoft.com/download/details.aspx?id=56519";

    /// <summary>
    /// Reads one version of <paramref name="source"/> (<see cref="RefreshedSource{T}"/>'s parser): a file whose
    /// snapshot in <paramref name="snapshots"/> matches is decoded without reading its JSON into memory; anything else
    /// is read into one buffer and parsed (<see cref="ParseAsync"/>).
    /// </summary>
    /// <returns>The data, and the body read (empty when a snapshot was used) for a URL's cached copy.</returns>
    /// <exception cref="IOException">The body cannot be read, or is too large.</exception>
    /// <exception cref="RangeFormatException">The body is not in <paramref name="source"/>'s format.</exception>
    public static async Task<(RangeData Data, ReadOnlyMemory<byte> Body)> ReadAsync(
        RangeSourceSettings source, SourceContent content, RangeCache? snapshots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(content);

        // With a snapshot directory, hash the file in small pieces first: when its snapshot matches, the JSON never
        // needs a buffer of its own (Azure's is 4 MB, and a large allocation at start costs a full collection).
        var looked = !content.IsUrl && snapshots is not null && content.Body.CanSeek;
        if (looked && TryReadSnapshot(source, () => HashStream(content.Body, cancellationToken), snapshots!) is { } known)
        {
            return (new RangeData(known, RangeSnapshotUse.Read), ReadOnlyMemory<byte>.Empty);
        }

        var (body, length) = await ReadAllAsync(source, content, cancellationToken);
        // A snapshot already looked up (missing, or of other bytes) is not read and compared a second time.
        var (prefixes, snapshot) = await ParseAsync(source, body, length, snapshots, cancellationToken, lookUp: !looked);
        return (new RangeData(prefixes, snapshot), body.AsMemory(0, length));
    }

    /// <summary>Describes a known cause of an unexpected status, for <see cref="RefreshedSource{T}"/>'s error; null if none.</summary>
    /// <remarks>
    /// Azure publishes no stable URL: each weekly file is <c>ServiceTags_Public_YYYYMMDD.json</c> and old ones are
    /// removed, so a 404 there almost always means the configured URL is out of date; say so rather than guess the next name.
    /// </remarks>
    public static string? StatusHint(RangeSourceSettings source, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Format == RangeFormat.Azure && status == HttpStatusCode.NotFound
            ? "; Microsoft removes dated ServiceTags_Public_YYYYMMDD.json files, so this URL is probably out of date: "
                + "set the source to the current file's URL, listed at " + AzureDownloadPage
            : null;
    }

    /// <summary>The whole body: a file (stamped, so of a known length) into one buffer of its size; a response as it comes.</summary>
    private static async Task<(byte[] Body, int Length)> ReadAllAsync(RangeSourceSettings source, SourceContent content, CancellationToken cancellationToken)
    {
        if (content.Length > Array.MaxLength)
        {
            throw new IOException($"{source.Source}: {content.Length} bytes is too large for a range file");
        }

        if (!content.IsUrl && content.Length is { } length)
        {
            // One buffer of the file's size, not zeroed first (growing a MemoryStream copied Azure's 4 MB several times).
            content.Body.Position = 0;
            var body = GC.AllocateUninitializedArray<byte>((int)length);
            var read = 0;
            while (read < body.Length)
            {
                var n = await content.Body.ReadAsync(body.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    // Cut short while being replaced: what was read is parsed (or refused), and the new stamp brings it back.
                    break;
                }

                read += n;
            }

            return (body, read);
        }

        using var buffer = new MemoryStream(content.Length is { } announced ? (int)announced : 0);
        await content.Body.CopyToAsync(buffer, cancellationToken);
        return (buffer.GetBuffer(), (int)buffer.Length);
    }

    /// <summary>
    /// The prefixes of <paramref name="source"/>'s body (its first <paramref name="length"/> bytes): read from
    /// the snapshot in <paramref name="snapshots"/> when there is one for exactly these bytes, otherwise parsed
    /// and then written there for the next start. A snapshot that cannot be read or written only costs a parse.
    /// </summary>
    /// <exception cref="RangeFormatException">The body is not in <paramref name="source"/>'s format.</exception>
    public static async Task<(IReadOnlyList<CloudPrefix> Prefixes, RangeSnapshotUse Snapshot)> ParseAsync(
        RangeSourceSettings source, byte[] body, int length, RangeCache? snapshots, CancellationToken cancellationToken, bool lookUp = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(body);
        if (snapshots is null)
        {
            return (Parse(source, body, length), RangeSnapshotUse.None);
        }

        var hash = RangeSnapshot.HashOf(body.AsSpan(0, length));
        if (lookUp && TryReadSnapshot(source, () => hash, snapshots) is { } known)
        {
            return (known, RangeSnapshotUse.Read);
        }

        var prefixes = Parse(source, body, length);
        try
        {
            await snapshots.WriteSnapshotAsync(source, RangeSnapshot.Encode(source.Format, hash, source.Cloud, prefixes), cancellationToken);
            return (prefixes, RangeSnapshotUse.Written);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (prefixes, RangeSnapshotUse.WriteFailed);
        }
    }

    /// <summary>The snapshot's prefixes if it is for a body whose hash <paramref name="hash"/> gives; null if none, unreadable or for other bytes.</summary>
    private static IReadOnlyList<CloudPrefix>? TryReadSnapshot(RangeSourceSettings source, Func<byte[]> hash, RangeCache snapshots)
    {
        try
        {
            // The body is hashed only when there is a snapshot to compare with (a first start has none).
            return snapshots.ReadSnapshot(source) is { } stored && RangeSnapshot.TryDecode(stored, source.Format, hash(), source.Cloud, out var prefixes)
                ? prefixes
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: the body is parsed as if there were none, and the snapshot replaced.
            return null;
        }
    }

    /// <summary><see cref="RangeSnapshot.HashOf"/> of a seekable body from its start, read in 64 KiB pieces.</summary>
    private static byte[] HashStream(Stream body, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            body.Position = 0;
            int n;
            while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.Append(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hash.GetCurrentHash();
    }

    private static IReadOnlyList<CloudPrefix> Parse(RangeSourceSettings source, byte[] body, int length)
    {
        using var stream = new MemoryStream(body, 0, length, writable: false, publiclyVisible: true);
        return RangeParser.Parse(source.Format, stream, source.Cloud);
    }
}
