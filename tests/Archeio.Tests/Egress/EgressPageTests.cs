using Archeio.Configuration;
using Archeio.Egress;
using Archeio.Routing;

namespace Archeio.Tests.Egress;

/// <summary>The page's sentence on where a rule's pulls go, for each shape of rule in <see cref="EgressExample"/>.</summary>
public sealed class EgressPageTests
{
    private static readonly ArcheioSettings Settings = EgressExample.Settings();
    private static readonly EgressList List = EgressList.Build(Settings, new Router(Settings));

    [Theory]
    [InlineData(0, "Archeio fetches the content itself and streams it (a blob to s3 when it holds it, else to upstream third, then default (the first that is up); manifests by tag, tags and referrers to the same upstreams): the client contacts Archeio alone.")]
    [InlineData(1, "Archeio redirects the client: a blob to the first of eu, s3 that holds it (10% of clients try canary first), else to upstream default, then second (the first that is up); manifests by tag, tags and referrers to the same upstreams.")]
    [InlineData(2, "Archeio redirects the client: a blob to the first of signature-upstream:second, upstream:second that holds it, else to upstream second; manifests by tag, tags and referrers to the same upstreams.")]
    [InlineData(3, "Archeio redirects the client: everything to upstream third, then default (the first that is up).")]
    public void Where_pulls_go(int entry, string sentence) => Assert.Equal(sentence, EgressPage.WherePullsGo(List.Entries[entry]));
}
