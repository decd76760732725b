using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Archeio.TestBed;

/// <summary>
/// An S3-compatible object store: npm <c>s3rver</c> v3 on a free 127.0.0.1 port, its data in a temp
/// directory, one bucket created at start (<c>--configure-bucket</c>), path-style URLs only
/// (<c>--no-vhost-buckets</c>). s3rver lets anonymous requests do anything (it has no ACLs), so
/// objects are seeded with a plain anonymous PUT and read with plain GET/HEAD; its only key pair is
/// <see cref="AccessKey"/>/<see cref="SecretKey"/> (V2 signatures are checked, V4 ones are not: any
/// V4 signature made with that access key id passes).
/// <para>
/// <see cref="AccessLog"/> (backend <c>s3</c>) gets one entry per request served, parsed from s3rver's
/// koa-logger lines on stdout. Those lines are written when the response finishes, so wait for them
/// (<see cref="WaitForAsync"/>) rather than reading the log right after a response.
/// </para>
/// </summary>
internal sealed partial class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private const int Attempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly TempDirectory _data;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
    private readonly ConcurrentQueue<string> _output = new();

    private S3rverProcess(Process process, TempDirectory data, int port, string bucket)
    {
        _process = process;
        _data = data;
        Port = port;
        Bucket = bucket;
    }

    public int Port { get; }

    public string Bucket { get; }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string BaseUrl => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>http://127.0.0.1:port/&lt;bucket&gt;</c> (path-style).</summary>
    public string BucketUrl => BaseUrl + "/" + Bucket;

    /// <summary>s3rver's data directory (objects are stored as <c>&lt;bucket&gt;/&lt;key&gt;._S3rver_object</c>).</summary>
    public string DataDirectory => _data.Path;

    public AccessLog AccessLog { get; } = new("s3");

    /// <summary>Everything s3rver printed so far (stdout and stderr, colours removed), for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts s3rver with <paramref name="bucket"/> created, and waits until it listens.</summary>
    public static async Task<S3rverProcess> StartAsync(string bucket)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        Tools.Require("node", "s3rver");
        for (var attempt = 1; ; attempt++)
        {
            var data = new TempDirectory("s3rver");
            var s3 = Launch(data, LoopbackPorts.Free(), bucket);
            if (await LoopbackPorts.WaitUntilListeningAsync([s3.Port], () => s3._process.HasExited, StartTimeout))
            {
                return s3;
            }

            var exited = s3._process.HasExited;
            await s3.DisposeAsync();
            if (exited && attempt < Attempts && s3.Output.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                continue; // Another process took the free port first: try another.
            }

            throw new InvalidOperationException(
                $"s3rver on 127.0.0.1:{s3.Port} {(exited ? "exited" : $"did not listen within {StartTimeout.TotalSeconds} s")}.\noutput:\n{s3.Output}");
        }
    }

    /// <summary>The URL of an object: <c>BucketUrl/key</c>, the key taken as a URL path as is (':' and '/' stay).</summary>
    public Uri ObjectUri(string key) => new(BucketUrl + "/" + key.TrimStart('/'));

    /// <summary>Stores an object with an anonymous PUT and waits until s3rver has logged the request.</summary>
    public async Task PutAsync(string key, byte[] content, string contentType = "application/octet-stream")
    {
        ArgumentNullException.ThrowIfNull(content);
        using var body = new ByteArrayContent(content);
        await PutAsync(key, body, contentType);
    }

    /// <summary>Stores an object from a stream (read to its end) with an anonymous PUT.</summary>
    public async Task PutAsync(string key, Stream content, string contentType = "application/octet-stream")
    {
        ArgumentNullException.ThrowIfNull(content);
        using var body = new StreamContent(content);
        if (content.CanSeek)
        {
            body.Headers.ContentLength = content.Length - content.Position;
        }

        await PutAsync(key, body, contentType);
    }

    /// <summary>Waits until the entries after <paramref name="mark"/> satisfy <paramref name="done"/> (see <see cref="AccessLogWaiter"/>).</summary>
    public Task<IReadOnlyList<AccessLogEntry>> WaitForAsync(int mark, Func<IReadOnlyList<AccessLogEntry>, bool> done, TimeSpan timeout)
        => AccessLogWaiter.WaitForAsync(AccessLog, mark, done, timeout);

    /// <summary>
    /// Parses one line of s3rver's stdout. With <c>FORCE_COLOR=1</c>, its logger cuts the
    /// <c>"  --&gt; "</c> arrow off koa-logger's coloured line, leaving
    /// <c>info: METHOD /path[?query] STATUS 12ms 5b</c> once colours are removed.
    /// (Without colours, the same cut would eat the method and the path's start.)
    /// </summary>
    public static bool TryParseLogLine(string line, out string method, out string path, out int status)
    {
        var match = LogLine().Match(StripColours(line));
        method = match.Success ? match.Groups["method"].Value : string.Empty;
        path = match.Success ? match.Groups["path"].Value : string.Empty;
        status = match.Success ? int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture) : 0;
        return match.Success;
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
        _http.Dispose();
        _data.Dispose();
    }

    private static S3rverProcess Launch(TempDirectory data, int port, string bucket)
    {
        var info = new ProcessStartInfo(Tools.Find("node"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data.Path,
        };
        // s3rver 3 makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) keeps in its legacy
        // provider: without it, every listing that needs a second page fails with 500 InternalError.
        info.ArgumentList.Add("--openssl-legacy-provider");
        info.ArgumentList.Add(Tools.Find("s3rver"));
        foreach (var argument in new[]
        {
            "--directory", data.Path, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--no-vhost-buckets", "--configure-bucket", bucket,
        })
        {
            info.ArgumentList.Add(argument);
        }

        // Colours on: s3rver's logger slices a fixed number of characters off koa-logger's coloured
        // line; without colours that slice cuts into the method and path (see TryParseLogLine).
        info.Environment["FORCE_COLOR"] = "1";
        info.Environment.Remove("NO_COLOR");
        info.Environment.Remove("NODE_OPTIONS");

        var process = new Process { StartInfo = info };
        var s3 = new S3rverProcess(process, data, port, bucket);
        process.OutputDataReceived += (_, e) => s3.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => s3.OnOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return s3;
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(StripColours(line));
        if (TryParseLogLine(line, out var method, out var path, out var status))
        {
            AccessLog.Add(method, path, status);
        }
    }

    private async Task PutAsync(string key, HttpContent body, string contentType)
    {
        var uri = ObjectUri(key);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var mark = AccessLog.Mark();
        using (var response = await _http.PutAsync(uri, body))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"s3rver PUT {uri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        // Its log line comes after the response: wait for it, so that a mark taken next excludes it.
        await WaitForAsync(mark, entries => entries.Any(e => e.Method == "PUT" && e.Path == uri.AbsolutePath), LogTimeout);
    }

    private static string StripColours(string line) => Colours().Replace(line, string.Empty);

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Colours();

    [GeneratedRegex(@"^\w+: (?<method>[A-Z]+) (?<path>/\S*) (?<status>\d{3}) ")]
    private static partial Regex LogLine();
}
