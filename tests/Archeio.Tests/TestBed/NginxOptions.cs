
namespace Archeio.Tests.TestBed;

/// <summary>What one <see cref="NginxProcess"/> serves.</summary>
internal sealed record NginxOptions
{
    /// <summary>
    /// When set, a static "public bucket" server with this directory as its root: the test seeds files
    /// such as <c>containers/images/sha256:&lt;hex&gt;</c> (GET/HEAD 200, missing 404, Range requests 206).
    /// </summary>
    public string? StaticRoot { get; init; }

    /// <summary>The port of Archeio on 127.0.0.1, which every load balancer proxies to. Required when there are load balancers.</summary>
    public int ArcheioPort { get; init; }

    /// <summary>
    /// One load-balancer server per simulated client location: requests to it reach Archeio with
    /// <c>X-Forwarded-For: [&lt;client's own X-Forwarded-For&gt;, ]&lt;ClientIp&gt;, 127.0.0.1</c>, as Google's
    /// load balancer sends it. Location names must be unique.
    /// </summary>
    public IReadOnlyList<(string Location, string ClientIp)> LoadBalancers { get; init; } = [];

    /// <summary>Extra directives for the <c>http</c> block, verbatim (e.g. for a test of start-up failures).</summary>
    public string? ExtraHttpDirectives { get; init; }
}
