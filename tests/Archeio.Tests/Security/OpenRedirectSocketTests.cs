using System.Collections.Concurrent;
using System.Text;
using CsCheck;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, properties 1 and 2 against the real process over sockets: generated requests written as raw HTTP/1.1 on
/// keep-alive connections, several in parallel, so that Kestrel's own parser sees absolute-form targets, odd
/// <c>Host</c> headers, raw unicode and control bytes. Every answer is 2xx, 3xx or 4xx (or the connection closes);
/// every redirect is to a configured target (<see cref="OpenRedirectOracle"/>); the server keeps serving and logs no error.
/// </summary>
public sealed class OpenRedirectSocketTests(OpenRedirectServerFixture fixture, ITestOutputHelper output) : IClassFixture<OpenRedirectServerFixture>
{
    private const int Cases = 12_000;
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task No_generated_raw_request_is_redirected_outside_the_configured_targets_nor_answered_5xx()
    {
        var port = fixture.Server.Port;
        var pool = new ConcurrentBag<RawHttpConnection>();
        var statuses = new ConcurrentDictionary<int, int>();
        long sent = 0;
        long closedWithoutAnswer = 0;
        var started = TimeProvider.System.GetTimestamp();

        await RequestGen.SocketRequest.SampleAsync(
            async request =>
            {
                var bytes = Encoding.UTF8.GetBytes(Raw(request));
                using var timeout = new CancellationTokenSource(AnswerLimit);
                var connection = pool.TryTake(out var pooled) ? pooled : await RawHttpConnection.OpenAsync(port);
                if (!await connection.WriteAsync(bytes, timeout.Token))
                {
                    // A pooled connection the server had closed meanwhile: once more on a new one.
                    connection.Dispose();
                    connection = await RawHttpConnection.OpenAsync(port);
                    await connection.WriteAsync(bytes, timeout.Token);
                }

                RawHttpResponse? response;
                try
                {
                    response = await connection.ReadResponseAsync(request.Method == "HEAD", timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    connection.Dispose();
                    throw new TimeoutException($"no answer and no close within {AnswerLimit}");
                }

                Interlocked.Increment(ref sent);
                if (response is null || connection.Closed || string.Equals(response.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase))
                {
                    connection.Dispose();
                }
                else
                {
                    pool.Add(connection);
                }

                if (response is null)
                {
                    Interlocked.Increment(ref closedWithoutAnswer);
                    return;
                }

                statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
                if (response.Status == 505)
                {
                    // Kestrel's answer when the request line does not end in HTTP/1.x, before Archeio sees the request:
                    // allowed only when the generated method or target really broke the request line.
                    Assert.True(request.Method.Contains(' ', StringComparison.Ordinal) || request.Target.AsSpan().IndexOfAny(" \r\n") >= 0, "505 for a well-formed request line");
                    return;
                }

                if (fixture.Oracle.Check(response.Status, response.Header("Location")) is { } violation)
                {
                    Assert.Fail(violation);
                }
            },
            iter: Cases,
            threads: 4,
            print: request => request.ToString(),
            writeLine: output.WriteLine);

        foreach (var connection in pool)
        {
            connection.Dispose();
        }

        output.WriteLine($"{sent} requests in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s; closed without an answer: {closedWithoutAnswer}; statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(sent >= Cases, $"only {sent} requests were sent");
        Assert.True(statuses.GetValueOrDefault(307) > Cases / 10, $"only {statuses.GetValueOrDefault(307)} redirects");
        await fixture.AssertServingAsync();
    }

    private static string Raw(RequestGenCase request)
    {
        var text = new StringBuilder();
        text.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        if (request.Host is { } host)
        {
            text.Append("Host: ").Append(host).Append("\r\n");
        }

        foreach (var value in request.ForwardedFor)
        {
            text.Append("X-Forwarded-For: ").Append(value).Append("\r\n");
        }

        return text.Append("\r\n").ToString();
    }
}
