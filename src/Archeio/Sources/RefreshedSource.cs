using System.Globalization;
using System.Net;

namespace Archeio.Sources;

/// <summary>
/// One source of data kept current: a file or an http(s) URL (<see cref="SourceLocation.IsUrl"/>), read when asked
/// (<see cref="RefreshAsync"/>: at start, then on every tick of its owner's <see cref="RefreshSchedule"/>), whose last
/// good value is kept whatever a later read meets. Its owner supplies only how to parse the bytes
/// (<see cref="SourceParser{T}"/>) and decides what to do with a new value.
/// </summary>
/// <remarks>
/// <para>
/// A URL is fetched with the validators of the value in use as conditions (<see cref="ConditionalGet"/>; RFC 9110
/// §13.1): a 304 (RFC 9110 §15.4.5, https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5) means the value is current,
/// and only a 200 is a new version (a cache between us and the origin revalidates the same way, RFC 9111 §4.3,
/// https://www.rfc-editor.org/rfc/rfc9111#section-4.3). A file is read only when its <see cref="FileStamp"/> changed.
/// </para>
/// <para>
/// Each read, the body and its parse included, is bounded by the timeout on the injected clock, so a connection that
/// hangs cannot hold the source's refreshes; HttpClient's own timeout would cover only the headers, on the real clock.
/// </para>
/// <para>
/// Not thread-safe: one refresh at a time (its owner's schedule runs them one after another). <see cref="Value"/> may
/// be read from any thread: it is replaced whole.
/// </para>
/// </remarks>
internal sealed class RefreshedSource<T>
    where T : class
{
    private readonly SourceParser<T> _parse;
    private readonly Func<HttpClient> _http;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Func<HttpStatusCode, string?>? _statusHint;
    private volatile T? _value;

    /// <param name="location">A file path or an http(s) URL.</param>
    /// <param name="parse">Reads one version into a value; throws <see cref="SourceFormatException"/> to refuse it.</param>
    /// <param name="http">The client for a URL (called once per fetch, as from an <see cref="IHttpClientFactory"/>).</param>
    /// <param name="timeout">Longest one read may take, body and parse included.</param>
    /// <param name="time">The clock of the timeout and of a URL's data time when it sends no Last-Modified.</param>
    /// <param name="statusHint">What to add to the error for an unexpected status (a known cause); null for nothing.</param>
    public RefreshedSource(
        string location, SourceParser<T> parse, Func<HttpClient> http, TimeSpan timeout, TimeProvider time, Func<HttpStatusCode, string?>? statusHint = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        Location = location;
        IsUrl = SourceLocation.IsUrl(location);
        _parse = parse;
        _http = http;
        _timeout = timeout;
        _time = time;
        _statusHint = statusHint;
    }

    public string Location { get; }

    public bool IsUrl { get; }

    /// <summary>The last good value; null while the source has never loaded.</summary>
    public T? Value => _value;

    /// <summary>A URL's validators for <see cref="Value"/>, sent back as conditions; null for a file or without a value.</summary>
    public HttpValidators? Validators { get; private set; }

    /// <summary>A file's stamp for <see cref="Value"/>; null for a URL or without a value.</summary>
    public FileStamp? Stamp { get; private set; }

    /// <summary>When <see cref="Value"/>'s data was published (see <see cref="SourceContent.DataTime"/>); null without a value.</summary>
    public DateTimeOffset? DataTime { get; private set; }

    /// <summary>The exceptions that mean "this source is bad now", as opposed to a bug or a stop.</summary>
    public static bool IsSourceFailure(Exception exception) => exception
        is IOException or UnauthorizedAccessException or HttpRequestException or SourceFormatException or TimeoutException;

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
    /// Starts from a value read elsewhere (a cached copy of a URL's last body), with its validators, so that the next
    /// refresh asks whether it is still current.
    /// </summary>
    public void Seed(T value, HttpValidators validators, DateTimeOffset dataTime)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(validators);
        Validators = validators;
        Stamp = null;
        DataTime = dataTime;
        _value = value;
    }

    /// <summary>
    /// Reads the source once: a conditional GET, or the file if its stamp changed. Never throws for a bad source (a
    /// failure is returned and <see cref="Value"/> kept); throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<SourceRefresh> RefreshAsync(CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        try
        {
            return IsUrl ? await FetchAsync(linked.Token) : await ReadFileAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our limit, or HttpClient.Timeout on a client configured with one (both are timeouts).
            return SourceRefresh.Failed(string.Create(CultureInfo.InvariantCulture, $"timed out after {_timeout}"));
        }
        catch (Exception e) when (IsSourceFailure(e))
        {
            return SourceRefresh.Failed(Describe(e));
        }
    }

    private async Task<SourceRefresh> FetchAsync(CancellationToken cancellationToken)
    {
        using var request = ConditionalGet.Create(new Uri(Location), Validators);
        using var response = await _http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified && Validators is { IsEmpty: false })
        {
            return SourceRefresh.Unchanged;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException(Unexpected(response), null, response.StatusCode);
        }

        var validators = ConditionalGet.Validators(response);
        var dataTime = response.Content.Headers.LastModified ?? _time.GetUtcNow();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var value = await _parse(new SourceContent(body, response.Content.Headers.ContentLength, validators, dataTime), cancellationToken);
        Accept(value, validators, null, dataTime);
        return SourceRefresh.Changed;
    }

    private async Task<SourceRefresh> ReadFileAsync(CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            // ReadWrite and Delete sharing: whatever keeps the file current may be replacing it as it is read.
            file = new FileStream(Location, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Could not find file '{Location}': it does not exist", Location);
        }

        await using (file)
        {
            // Taken before reading (see FileStamp); the length from the open handle, so it is the file being read.
            var stamp = new FileStamp(File.GetLastWriteTimeUtc(Location), file.Length);
            if (stamp == Stamp)
            {
                return SourceRefresh.Unchanged;
            }

            var dataTime = new DateTimeOffset(stamp.WriteTimeUtc, TimeSpan.Zero);
            var value = await _parse(new SourceContent(file, stamp.Length, null, dataTime), cancellationToken);
            Accept(value, null, stamp, dataTime);
            return SourceRefresh.Changed;
        }
    }

    private void Accept(T value, HttpValidators? validators, FileStamp? stamp, DateTimeOffset dataTime)
    {
        ArgumentNullException.ThrowIfNull(value);
        Validators = validators;
        Stamp = stamp;
        DataTime = dataTime;
        _value = value;
    }

    /// <summary>Describes a status that is neither 200 nor an expected 304, with the owner's hint for it, if any.</summary>
    private string Unexpected(HttpResponseMessage response)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        return response.StatusCode == HttpStatusCode.NotModified
            ? text + " to a request without conditions"
            : text + _statusHint?.Invoke(response.StatusCode);
    }
}
