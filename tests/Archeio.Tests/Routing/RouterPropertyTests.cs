using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.Tests.Support;

namespace Archeio.Tests.Routing;

/// <summary>
/// Generated request targets built from the pieces that matter (separators, dot segments, escapes,
/// endpoint words, digests): parsing and routing never throw, and every redirect stays on a configured
/// target, under its configured path. (The hardening issue extends this to the HTTP surface.)
/// </summary>
public sealed class RouterPropertyTests
{
    private static readonly string[] Pieces =
    [
        "/", "/", "/", "v2", "v2", "..", ".", "%2F", "%2f", "%2e", "%", "%00", "%41", "%3A", "manifests", "blobs", "tags", "list",
        "referrers", "uploads", "_catalog", "privacy", "sha256:", "sha512:", "sha256-", "da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e",
        ".sig", ".att", "?", "&", "=", "#", "\\", "@", ":", "a", "Z", "-", "_", "__", "pause", "é", " ", "http://evil.example", "//evil.example",
    ];

    private static readonly MirrorSettings Mirror = new("m", "https://mirror.example/containers/images/{digest}");

    private static readonly ArcheioSettings Settings = TestSettings.Create(mirrors: [Mirror], rules: [new RuleSettings(null, [], [Mirror])]);

    private static readonly string[] AllowedPrefixes =
    [
        "https://info.example/",
        "https://registry.example/v2/project/images/",
        "https://sig.example/v2/signatures/",
        "https://mirror.example/containers/images/",
    ];

    [Fact]
    public void Generated_targets_never_throw_and_never_redirect_elsewhere()
    {
        var router = new Router(Settings);
        var random = new Random(20261128);
        var client = new ClientFacts(IPAddress.Loopback, null, new CloudLocation("AWS", "eu-west-3"));
        var redirects = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var target = Generate(random);
            var request = new RequestFacts(random.Next(8) == 0 ? "HEAD" : "GET", RequestTargetParser.Parse(target), client);
            var answer = router.Decide(request);
            if (answer is BlobPlan plan)
            {
                answer = plan.RedirectTo(random.Next(2) == 0 ? plan.Candidates[0] : null, request.Target);
            }

            if (answer is not Redirect decision)
            {
                Assert.IsAssignableFrom<RouteDecision>(answer);
                continue;
            }

            redirects++;
            var location = decision.Location;
            Assert.True(AllowedPrefixes.Any(p => location.StartsWith(p, StringComparison.Ordinal)), $"{target} -> {location}");
            Assert.True(Uri.TryCreate(location, UriKind.Absolute, out _), $"{target} -> {location}");
            if (decision.Target is RouteTarget.Info or RouteTarget.Privacy)
            {
                continue;
            }

            // Dot and empty segments as written (System.Uri would normalise them away).
            var path = location[location.IndexOf('/', "https://".Length)..].Split('?')[0];
            Assert.DoesNotContain(path.Split('/')[1..], segment => segment is "" or "." or "..");
            Assert.All(location, c => Assert.InRange(c, '!', '~'));
        }

        // The generator must reach the redirect paths, or the property says little.
        Assert.InRange(redirects, 1_000, 50_000);
    }

    private static string Generate(Random random)
    {
        var builder = new System.Text.StringBuilder(random.Next(3) == 0 ? "/v2/" : "/");
        var count = random.Next(1, 12);
        for (var i = 0; i < count; i++)
        {
            builder.Append(Pieces[random.Next(Pieces.Length)]);
        }

        // Bias towards well-formed API paths too, so that redirects are exercised.
        return random.Next(4) switch
        {
            0 => "/v2/pause/" + (random.Next(2) == 0 ? "manifests/" : "blobs/") + builder.ToString().TrimStart('/'),
            1 => "/v2/" + builder.ToString().TrimStart('/') + "/manifests/latest",
            _ => builder.ToString(),
        };
    }
}
