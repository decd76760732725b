using Geranos.Sync;

namespace Geranos.Tests.Sync;

public sealed class TagFilterTests
{
    [Theory]
    [InlineData("", "", "v1.2.3", true)]
    [InlineData("v*", "", "v1.2.3", true)]
    [InlineData("v*", "", "latest", false)]
    [InlineData("v1.?.3", "", "v1.2.3", true)]
    [InlineData("v1.?.3", "", "v1.22.3", false)]
    [InlineData("v*|latest", "", "latest", true)]
    [InlineData("", "*.sig", "sha256-abc.sig", false)]
    [InlineData("", "*.sig", "sha256-abc.att", true)]
    [InlineData("sha256-*", "*.att", "sha256-abc.att", false)]
    [InlineData("V*", "", "v1", false)]
    [InlineData("*", "latest", "latest", false)]
    public void Include_any_and_exclude_none(string include, string exclude, string tag, bool taken)
    {
        var filter = new TagFilter(Split(include), Split(exclude));

        Assert.Equal(taken, filter.Matches(tag));
    }

    private static string[] Split(string globs) => globs.Length == 0 ? [] : globs.Split('|');
}
