using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Archeio.Sources;
using Archeio.TestBed;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Sources;

/// <summary>
/// <see cref="RefreshedSource{T}"/> on its own: a URL behind an in-memory handler (a 200, a 304, a failure, a hang
/// timed out on a <see cref="FakeTimeProvider"/>) and a real file (re-read when its stamp changes, not otherwise), with
/// a parser that refuses any content starting with "bad".
/// </summary>
public sealed class RefreshedSourceTests : IDisposable
{
    private const string Url = "https://source.example/data.txt";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Published = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _directory = new("sources");
    private int _parses;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_200_is_parsed_and_its_validators_are_sent_back_as_conditions()
    {
        using var server = new ScriptedHandler((_, _) => Task.FromResult(Ok("one", "\"v1\"")));
        var source = Create(Url, server);

        var first = await source.RefreshAsync(default);
        await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Changed, first);
        Assert.Equal("one", source.Value);
        Assert.Equal(new HttpValidators("\"v1\"", "Mon, 01 Jun 2026 12:00:00 GMT"), source.Validators);
        Assert.Equal(Published, source.DataTime);
        var (firstRequest, secondRequest) = (server.Requests[0], server.Requests[1]);
        Assert.False(firstRequest.Headers.Contains("If-None-Match"));
        Assert.Equal("\"v1\"", Assert.Single(secondRequest.Headers.GetValues("If-None-Match")));
        Assert.Equal("Mon, 01 Jun 2026 12:00:00 GMT", Assert.Single(secondRequest.Headers.GetValues("If-Modified-Since")));
    }

    [Fact]
    public async Task A_304_keeps_the_value_without_parsing()
    {
        var answers = new Queue<HttpResponseMessage>([Ok("one", "\"v1\""), new HttpResponseMessage(HttpStatusCode.NotModified)]);
        using var server = new ScriptedHandler((_, _) => Task.FromResult(answers.Dequeue()));
        var source = Create(Url, server);
        await source.RefreshAsync(default);

        var second = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Unchanged, second);
        Assert.Equal("one", source.Value);
        Assert.Equal(1, _parses);
        Assert.Equal("\"v1\"", source.Validators?.ETag);
    }

    [Fact]
    public async Task A_304_to_a_request_without_conditions_is_a_failure()
    {
        using var server = new ScriptedHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotModified)));
        var source = Create(Url, server);

        var refresh = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Failed("the server answered 304 Not Modified to a request without conditions"), refresh);
        Assert.Null(source.Value);
    }

    [Fact]
    public async Task A_failed_fetch_keeps_the_last_good_value_and_its_validators()
    {
        var answers = new Queue<HttpResponseMessage>([Ok("one", "\"v1\""), new HttpResponseMessage(HttpStatusCode.InternalServerError)]);
        using var server = new ScriptedHandler((_, _) => Task.FromResult(answers.Dequeue()));
        var source = Create(Url, server);
        await source.RefreshAsync(default);

        var second = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Failed("the server answered 500 Internal Server Error"), second);
        Assert.Equal("one", source.Value);
        Assert.Equal("\"v1\"", source.Validators?.ETag);
    }

    [Fact]
    public async Task An_unexpected_status_carries_the_owners_hint()
    {
        using var server = new ScriptedHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound)));
        var source = new RefreshedSource<string>(Url, ParseAsync, () => new HttpClient(server, disposeHandler: false), Timeout, _time, s => $"; hint for {(int)s}");

        var refresh = await source.RefreshAsync(default);

        Assert.Equal("the server answered 404 Not Found; hint for 404", refresh.Error);
    }

    [Fact]
    public async Task A_refused_body_keeps_the_last_good_value()
    {
        var answers = new Queue<HttpResponseMessage>([Ok("one", "\"v1\""), Ok("bad two", "\"v2\"")]);
        using var server = new ScriptedHandler((_, _) => Task.FromResult(answers.Dequeue()));
        var source = Create(Url, server);
        await source.RefreshAsync(default);

        var second = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Failed("refused: bad two"), second);
        Assert.Equal("one", source.Value);
        Assert.Equal("\"v1\"", source.Validators?.ETag);
    }

    [Fact]
    public async Task A_fetch_that_hangs_times_out_on_the_injected_clock()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new ScriptedHandler(async (_, cancellationToken) =>
        {
            received.TrySetResult();
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("not reached");
        });
        var source = Create(Url, server);

        var refreshing = source.RefreshAsync(default);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(refreshing.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var refresh = await refreshing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(SourceRefresh.Failed("timed out after 00:00:10"), refresh);
        Assert.Null(source.Value);
    }

    [Fact]
    public async Task A_stop_is_not_a_failure()
    {
        using var server = new ScriptedHandler(async (_, cancellationToken) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("not reached");
        });
        var source = Create(Url, server);
        using var stopping = new CancellationTokenSource();

        var refreshing = source.RefreshAsync(stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => refreshing);
    }

    [Fact]
    public async Task A_seeded_value_is_revalidated_with_its_validators()
    {
        using var server = new ScriptedHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotModified)));
        var source = Create(Url, server);
        source.Seed("cached", new HttpValidators("\"v0\"", null), Published);

        var refresh = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Unchanged, refresh);
        Assert.Equal("cached", source.Value);
        Assert.Equal("\"v0\"", Assert.Single(server.Requests[0].Headers.GetValues("If-None-Match")));
    }

    [Fact]
    public async Task A_file_is_read_again_when_its_stamp_changes()
    {
        var path = Write("one", Published.UtcDateTime);
        var source = Create(path);
        var first = await source.RefreshAsync(default);

        Write("two!", Published.UtcDateTime.AddMinutes(1));
        var second = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Changed, first);
        Assert.Equal(SourceRefresh.Changed, second);
        Assert.Equal("two!", source.Value);
        Assert.Equal(new FileStamp(Published.UtcDateTime.AddMinutes(1), 4), source.Stamp);
        Assert.Equal(Published.AddMinutes(1), source.DataTime);
        Assert.Equal(2, _parses);
    }

    [Fact]
    public async Task A_file_with_an_unchanged_stamp_is_not_read()
    {
        var path = Write("one", Published.UtcDateTime);
        var source = Create(path);
        await source.RefreshAsync(default);

        var second = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Unchanged, second);
        Assert.Equal(1, _parses);
        Assert.Equal("one", source.Value);
    }

    [Fact]
    public async Task A_file_with_bad_content_keeps_the_last_good_value_and_is_read_again_once_mended()
    {
        var path = Write("one", Published.UtcDateTime);
        var source = Create(path);
        await source.RefreshAsync(default);

        Write("bad", Published.UtcDateTime.AddMinutes(1));
        var bad = await source.RefreshAsync(default);
        var badAgain = await source.RefreshAsync(default);
        Write("three", Published.UtcDateTime.AddMinutes(2));
        var mended = await source.RefreshAsync(default);

        Assert.Equal(SourceRefresh.Failed("refused: bad"), bad);
        Assert.Equal(SourceRefresh.Failed("refused: bad"), badAgain);
        Assert.Equal(SourceRefresh.Changed, mended);
        Assert.Equal("three", source.Value);
    }

    [Fact]
    public async Task A_missing_file_is_a_failure_that_names_it()
    {
        var path = Path.Combine(_directory.Path, "missing.txt");
        var source = Create(path);

        var refresh = await source.RefreshAsync(default);

        Assert.Equal(SourceChange.Failed, refresh.Change);
        Assert.Equal($"Could not find file '{path}': it does not exist", refresh.Error);
        Assert.Null(source.Value);
    }

    private static HttpResponseMessage Ok(string body, string etag)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8) };
        response.Headers.ETag = EntityTagHeaderValue.Parse(etag);
        response.Content.Headers.LastModified = Published;
        return response;
    }

    private RefreshedSource<string> Create(string location, HttpMessageHandler? handler = null) =>
        new(location, ParseAsync, () => new HttpClient(handler ?? new ScriptedHandler((_, _) => throw new InvalidOperationException("no HTTP here")), disposeHandler: false), Timeout, _time);

    private async Task<string> ParseAsync(SourceContent content, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _parses);
        using var reader = new StreamReader(content.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        return text.StartsWith("bad", StringComparison.Ordinal) ? throw new SourceFormatException("refused: " + text) : text;
    }

    private string Write(string text, DateTime writeTimeUtc)
    {
        var path = Path.Combine(_directory.Path, "data.txt");
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, writeTimeUtc);
        return path;
    }

    /// <summary>Answers each request with the test's function, and keeps the requests.</summary>
    private sealed class ScriptedHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private readonly List<HttpRequestMessage> _requests = [];

        public IReadOnlyList<HttpRequestMessage> Requests
        {
            get { lock (_requests) { return [.. _requests]; } }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                _requests.Add(request);
            }

            return answer(request, cancellationToken);
        }
    }
}
