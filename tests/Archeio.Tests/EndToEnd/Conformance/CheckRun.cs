using System.Text.Json;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// One check running against one target: sends its requests (through the redirect follower, each one recorded) and
/// collects what failed. A check fails when anything it expected did not hold, is skipped only when it says why,
/// and never passes without having sent a request.
/// </summary>
internal sealed class CheckRun
{
    private static readonly string[] Endpoints = ["/manifests/", "/blobs/", "/tags/", "/referrers/"];

    private readonly RedirectingClient _client;
    private readonly Func<Uri, string> _originName;
    private readonly List<FollowedResponse> _exchanges = [];
    private readonly List<string> _failures = [];
    private string? _skipReason;

    private CheckRun(ConformanceTarget target, ConformanceContent content, RedirectingClient client, Func<Uri, string> originName)
    {
        Target = target;
        Content = content;
        _client = client;
        _originName = originName;
    }

    public ConformanceTarget Target { get; }

    public ConformanceContent Content { get; }

    /// <summary>Runs <paramref name="check"/>; a transport error or an unreadable answer is a failure like any other.</summary>
    public static async Task<CheckOutcome> RunAsync(
        ConformanceCheck check, ConformanceTarget target, ConformanceContent content, RedirectingClient client, Func<Uri, string> originName)
    {
        ArgumentNullException.ThrowIfNull(check);
        var run = new CheckRun(target, content, client, originName);
        try
        {
            await check.Run(run);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            run._failures.Add(e.GetType().Name + ": " + e.Message.Split('\n')[0]);
        }

        return run.Outcome();
    }

    public Task<FollowedResponse> GetAsync(string pathAndQuery, params KeyValuePair<string, string>[] headers)
        => SendAsync(HttpMethod.Get, pathAndQuery, headers);

    public Task<FollowedResponse> HeadAsync(string pathAndQuery, params KeyValuePair<string, string>[] headers)
        => SendAsync(HttpMethod.Head, pathAndQuery, headers);

    public async Task<FollowedResponse> SendAsync(HttpMethod method, string pathAndQuery, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var response = await _client.SendAsync(method, Target.Url(pathAndQuery), headers);
        _exchanges.Add(response);
        // Whatever the check looks at, an answer that is not a whole HTTP message is a failure (RFC 9110 §8.6).
        Expect(response.BodyError is null, $"{response.Method} {Endpoint(response)} from the {Origin(response)}: {response.Status} whose body broke off: {response.BodyError}");
        return response;
    }

    public string ManifestPath(string image, string reference) => $"/v2/{Target.Repository(image)}/manifests/{reference}";

    public string BlobPath(string image, string digest) => $"/v2/{Target.Repository(image)}/blobs/{digest}";

    public string TagsPath(string image, string query = "") => $"/v2/{Target.Repository(image)}/tags/list{query}";

    public string ReferrersPath(string image, string digest, string query = "") => $"/v2/{Target.Repository(image)}/referrers/{digest}{query}";

    /// <summary>Records <paramref name="failure"/> unless <paramref name="condition"/> holds; returns the condition.</summary>
    public bool Expect(bool condition, string failure)
    {
        if (!condition)
        {
            _failures.Add(failure);
        }

        return condition;
    }

    /// <summary>Expects the final status (after redirects: the spec's statuses are those, per its API section).</summary>
    public bool ExpectStatus(FollowedResponse response, int status)
        => Expect(response.Status == status, $"{Describe(response)} answered {response.Status}, not {status}");

    /// <summary>The check does not apply to this target, and why. Failures recorded before still fail it.</summary>
    public void Skip(string reason) => _skipReason = reason;

    /// <summary>Who gave the final answer: <c>registry</c>, <c>mirror</c>, <c>Archeio</c>.</summary>
    public string Origin(FollowedResponse response) => _originName(response.FinalUri);

    /// <summary>
    /// <c>HEAD blobs/sha256:0123456789ab…</c>: the request within its repository, digests cut short, so that one
    /// failure reads the same on both targets (whose repository names differ).
    /// </summary>
    public static string Describe(FollowedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var path = response.RequestUri.PathAndQuery;
        var endpoint = Endpoints
            .Select(e => path.LastIndexOf(e, StringComparison.Ordinal))
            .Where(i => i >= 0)
            .DefaultIfEmpty(-1)
            .Max();
        var rest = endpoint < 0 ? path : path[(endpoint + 1)..];
        return response.Method + " " + ShortDigests(rest);
    }

    /// <summary>What was asked for: <c>manifest</c>, <c>blob</c>, <c>tags</c>, <c>referrers</c>, or the path.</summary>
    public static string Endpoint(FollowedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var path = response.RequestUri.AbsolutePath;
        return Endpoints.Where(e => path.Contains(e, StringComparison.Ordinal)).Select(e => e.Trim('/').TrimEnd('s')).FirstOrDefault() ?? path;
    }

    /// <summary><c>sha256:</c> and the first 12 hex digits, then an ellipsis.</summary>
    public static string ShortDigests(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf("sha256:", StringComparison.Ordinal);
        if (at < 0 || text.Length < at + 7 + 64)
        {
            return text;
        }

        return text[..(at + 7 + 12)] + "…" + ShortDigests(text[(at + 7 + 64)..]);
    }

    private CheckOutcome Outcome()
    {
        if (_failures.Count > 0)
        {
            var grouped = _failures.GroupBy(f => f, StringComparer.Ordinal)
                .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} (×{g.Count()})");
            return new CheckOutcome(OutcomeKind.Fail, string.Join("; ", grouped), [.. _exchanges]);
        }

        if (_skipReason is not null)
        {
            return new CheckOutcome(OutcomeKind.Skip, _skipReason, [.. _exchanges]);
        }

        return _exchanges.Count == 0
            ? new CheckOutcome(OutcomeKind.Fail, "the check sent no request", [])
            : new CheckOutcome(OutcomeKind.Pass, string.Empty, [.. _exchanges]);
    }
}
