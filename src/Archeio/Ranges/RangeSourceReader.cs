using System.Globalization;
using System.Net;
using Archeio.Configuration;
using Archeio.Http;

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

        using var parsed = new MemoryStream(body, writable: false);
        var prefixes = RangeParser.Parse(source.Format, parsed, source.Cloud);
        return new RangeRead(prefixes, body, next, null, sentLastModified ?? time.GetUtcNow());
    }

    /// <summary>
    /// Reads and parses the file <paramref name="source"/>, unless it still has <paramref name="stamp"/>
    /// (then null: the data in use is current).
    /// </summary>
    /// <exception cref="IOException">The file cannot be read (missing included).</exception>
    /// <exception cref="RangeFormatException">The file is not in <paramref name="source"/>'s format.</exception>
    public static async Task<RangeRead?> ReadFileAsync(RangeSourceSettings source, RangeFileStamp? stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);

        // ReadWrite and Delete sharing: whatever keeps the file current may be replacing it as it is read.
        await using var file = new FileStream(source.Source, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });

        // Taken before reading (see RangeFileStamp); from the open handle, so it is the file being read.
        var info = new FileInfo(source.Source);
        var current = new RangeFileStamp(info.LastWriteTimeUtc, file.Length);
        if (current == stamp)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        var prefixes = RangeParser.Parse(source.Format, buffer, source.Cloud);
        return new RangeRead(prefixes, ReadOnlyMemory<byte>.Empty, null, current, new DateTimeOffset(current.WriteTimeUtc, TimeSpan.Zero));
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
