using Archeio.Egress;

namespace Archeio.Tests.Egress;

/// <summary>HTML only when <c>Accept</c> rates <c>text/html</c> strictly above <c>application/json</c>, by the most specific range of each.</summary>
public sealed class AcceptNegotiationTests
{
    private const string Chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

    [Theory]
    [InlineData(Chromium, true)]
    [InlineData("text/html", true)]
    [InlineData("text/*", true)]
    [InlineData("TEXT/HTML", true)]
    [InlineData("application/json;q=0.5, text/*", true)]
    [InlineData("*/*;q=0.1, text/html;q=0.2", true)]
    [InlineData("*/*", false)]
    [InlineData("", false)]
    [InlineData("application/json", false)]
    [InlineData("text/html, application/json", false)]
    [InlineData("text/html;q=0.5, application/json", false)]
    [InlineData("text/html;q=0, */*", false)]
    [InlineData("text/plain, */*;q=0.5", false)]
    [InlineData("not a media type", false)]
    public void Html_only_when_it_is_preferred(string accept, bool html)
        => Assert.Equal(html, AcceptNegotiation.PrefersHtml(accept));
}
