using System.Collections;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.Hosting;

/// <summary>
/// Two servers on the embedded registry.k8s.io profile with the real cloud ranges
/// (<c>ARCHEIO_RANGES_DIR</c>): one with a signature upstream, one without, as in the original's tests.
/// Mirrors hold the pause layer in eu-west-3, eu-central-1 and the default CDN.
/// </summary>
public sealed class RequestHandlingFixture : IDisposable
{
    public const string SignatureUpstream = "https://signatures.example.org";

    public RequestHandlingFixture()
    {
        var present = new FakeBlobPresence(
            "https://prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com/containers/images/" + Digests.Pause,
            "https://prod-registry-k8s-io-eu-central-1.s3.dualstack.eu-central-1.amazonaws.com/containers/images/" + Digests.Pause,
            "https://d1be1w964nk82h.cloudfront.net/containers/images/" + Digests.Pause);
        WithSignatures = new ArcheioFactory(null, Env(("SIGNATURE_UPSTREAM_ENDPOINT", SignatureUpstream), ("Archeio__Debug__RouteHeader", "true")), present);
        WithoutSignatures = new ArcheioFactory(null, Env(), present);
    }

    internal ArcheioFactory WithSignatures { get; }

    internal ArcheioFactory WithoutSignatures { get; }

    public void Dispose()
    {
        WithSignatures.Dispose();
        WithoutSignatures.Dispose();
    }

    private static Hashtable Env(params (string Name, string Value)[] extra)
    {
        var env = new Hashtable { ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory };
        foreach (var (name, value) in extra)
        {
            env[name] = value;
        }

        return env;
    }
}
