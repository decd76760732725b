using System.Buffers;
using System.Globalization;
using System.Net;
using System.IO.Hashing;
using Archeio.Configuration;
using Archeio.Http;
using Microsoft.Win32.SafeHandles;

namespace Archeio.Ranges;

/// <summary>
/// Fetches a URL range source (conditionally, within a time limit) or reads a file source (only when it
/// changed), and parses it. Shared by the loader/refresher and <c>archeio explain</c>.
/// </summary>
internal static class RangeSourceReader
{
    /// <summary>Where Microsoft lists the current Azure Service Tags file; its URL changes with every weekly publication.</summary>
    public const string AzureDownloadPage = "https://www.microsoft.com/download/details.aspx?id=56519";

    /// <summary>The exceptions that mean "this source is bad now", as opposed to a bug or a stop.</summary>
    public static bool IsSourceFailure(Exception exception) => exception
        is IOException or UnauthorizedAccessException or HttpRequestException or RangeFormatException or TimeoutException;

    /// <summary>
    /// Why a source failed, in one line: <see cref="HttpClient"/> often says only "An error occurred while
    /// sending the request." and keeps the reason (a body cut short, a TLS failure) in inner exceptions.
    /// </summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!text.Contains(inner.Message, StringComparison.Ordinal))
            {
                text = text.TrimEnd('.') + ": " + inner.Message;
            }
        }

        return text;
    }

    /// <summary>
    /// GETs <paramref name="source"/> with <paramref name="validators"/> as conditions. Null: 304, the data
    /// in use is current. The whole exchange, body included, is bounded by <paramref name="timeout"/> on
    /// <paramref name="time"/>.
    /// </summary>
    /// <exception cref="HttpRequestException">No answer, or not a success.</exception>
    /// <exception cref="IOException">The body ended early.</exception>
    /// <exception cref="TimeoutException">Not done within <paramref name="timeout"/>.</exception>
    /// <exception cref="RangeFormatException">The body is not in <paramref name="source"/>'s format.</exception>
    public static async Task<RangeRead?> FetchAsync(
        RangeSourceSettings source,
        RangeValidators? validators,
        HttpClient http,
        TimeSpan timeout,
        TimeProvider time,
        RangeCache? snapshots,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        byte[] body;
        RangeValidators next;
        DateTimeOffset? sentLastModified;
        try
        {
            using var request = ConditionalGet.Create(new Uri(source.Source), validators?.ETag, validators?.LastModified);

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode == HttpStatusCode.NotModified && validators is { IsEmpty: false })
            {
                return null;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException(Unexpected(source, response), null, response.StatusCode);
            }

            body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            sentLastModified = response.Content.Headers.LastModified;
            var (sentETag, sentLastModifiedText) = ConditionalGet.Validators(response);
            next = new RangeValidators(sentETag, sentLastModifiedText);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our limit, or HttpClient.Timeout on a client configured with one (both are timeouts).
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {timeout}"));
        }

        var parsed = await ParseAsync(source, body, body.Length, snapshots, cancellationToken);
        return new RangeRead(parsed.Prefixes, body, next, null, sentLastModified ?? time.GetUtcNow(), parsed.Snapshot);
    }

    /// <summary>
    /// Reads and parses the file <paramref name="source"/>, unless it still has <paramref name="stamp"/>
    /// (then null: the data in use is current).
    /// </summary>
    /// <exception cref="IOException">The file cannot be read (missing included).</exception>
    /// <exception cref="RangeFormatException">The file is not in <paramref name="source"/>'s format.</exception>
    public static async Task<RangeRead?> ReadFileAsync(RangeSourceSettings source, RangeFileStamp? stamp, RangeCache? snapshots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);

        // ReadWrite and Delete sharing: whatever keeps the file current may be replacing it as it is read.
        using var file = File.OpenHandle(source.Source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        // Taken before reading (see RangeFileStamp); the length from the open handle, so it is the file being read.
        var length = RandomAccess.GetLength(file);
        var current = new RangeFileStamp(File.GetLastWriteTimeUtc(source.Source), length);
        if (current == stamp)
        {
            return null;
        }

        if (length > Array.MaxLength)
        {
            throw new IOException($"{source.Source}: {length} bytes is too large for a range file");
        }

        // With a snapshot directory, hash the file in small pieces first: when its snapshot matches, the JSON never
        // needs a buffer of its own (Azure's is 4 MB, and a large allocation at start costs a full collection).
        if (snapshots is not null && TryReadSnapshot(source, () => HashFile(file, length, cancellationToken), snapshots) is { } known)
        {
            return new RangeRead(known, ReadOnlyMemory<byte>.Empty, null, current, new DateTimeOffset(current.WriteTimeUtc, TimeSpan.Zero), RangeSnapshotUse.Read);
        }

        // One buffer of the file's size, not zeroed first (growing a MemoryStream copied Azure's 4 MB several times).
        var body = GC.AllocateUninitializedArray<byte>((int)length);
        var read = 0;
        while (read < body.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = RandomAccess.Read(file, body.AsSpan(read), read);
            if (n == 0)
            {
                // Cut short while being replaced: what was read is parsed (or refused), and the new stamp brings it back.
                break;
            }

            read += n;
        }

        var parsed = await ParseAsync(source, body, read, snapshots, cancellationToken);
        return new RangeRead(
            parsed.Prefixes, ReadOnlyMemory<byte>.Empty, null, current, new DateTimeOffset(current.WriteTimeUtc, TimeSpan.Zero), parsed.Snapshot);
    }

    /// <summary>
    /// The prefixes of <paramref name="source"/>'s body (its first <paramref name="length"/> bytes): read from
    /// the snapshot in <paramref name="snapshots"/> when there is one for exactly these bytes, otherwise parsed
    /// and then written there for the next start. A snapshot that cannot be read or written only costs a parse.
    /// </summary>
    /// <exception cref="RangeFormatException">The body is not in <paramref name="source"/>'s format.</exception>
    public static async Task<(IReadOnlyList<CloudPrefix> Prefixes, RangeSnapshotUse Snapshot)> ParseAsync(
        RangeSourceSettings source, byte[] body, int length, RangeCache? snapshots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(body);
        if (snapshots is null)
        {
            return (Parse(source, body, length), RangeSnapshotUse.None);
        }

        var hash = RangeSnapshot.HashOf(body.AsSpan(0, length));
        if (TryReadSnapshot(source, () => hash, snapshots) is { } known)
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

    /// <summary><see cref="RangeSnapshot.HashOf"/> of the file's first <paramref name="length"/> bytes (fewer if it shrinks meanwhile), read in 64 KiB pieces.</summary>
    private static byte[] HashFile(SafeFileHandle file, long length, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (long offset = 0; offset < length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
                if (n == 0)
                {
                    break;
                }

                hash.Append(buffer.AsSpan(0, n));
                offset += n;
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
        using var stream = new MemoryStream(body, 0, length, writable: false);
        return RangeParser.Parse(source.Format, stream, source.Cloud);
    }

    /// <summary>
    /// Describes a status that is neither 200 nor an expected 304. Azure publishes no stable URL: each
    /// weekly file is <c>ServiceTags_Public_YYYYMMDD.json</c> and old ones are removed, so a 404 there
    /// almost always means the configured URL is out of date; say so rather than guess the next name.
    /// </summary>
    private static string Unexpected(RangeSourceSettings source, HttpResponseMessage response)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return text + " to a request without conditions";
        }

        return source.Format == RangeFormat.Azure && response.StatusCode == HttpStatusCode.NotFound
            ? text + "; Microsoft removes dated ServiceTags_Public_YYYYMMDD.json files, so this URL is probably out of date: "
                + "set the source to the current file's URL, listed at " + AzureDownloadPage
            : text;
    }
}
