using Archeio.Ranges.Parsing;

namespace Archeio.Tests.Ranges.Parsing;

public sealed class CidrParserTests
{
    [Theory]
    [InlineData("1.2.3.0/24", "1.2.3.0/24", false)]
    [InlineData("0.0.0.0/0", "0.0.0.0/0", false)]
    [InlineData("255.255.255.255/32", "255.255.255.255/32", false)]
    [InlineData("3.4.12.4/32", "3.4.12.4/32", false)]
    [InlineData("10.1.2.3/8", "10.0.0.0/8", true)]
    [InlineData("3.5.140.7/22", "3.5.140.0/22", true)]
    [InlineData("1.2.3.4/0", "0.0.0.0/0", true)]
    [InlineData("::/0", "::/0", false)]
    [InlineData("2600:1f00::/24", "2600:1f00::/24", false)]
    [InlineData("2600:1F00::/24", "2600:1f00::/24", false)]
    [InlineData("2600:1f14:8000::1/35", "2600:1f14:8000::/35", true)]
    [InlineData("2406:da00:ff00::3436:d4f/128", "2406:da00:ff00::3436:d4f/128", false)]
    [InlineData("::ffff:1.2.3.0/120", "::ffff:1.2.3.0/120", false)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", false)]
    public void Valid_prefixes_parse_to_their_canonical_network(string text, string expected, bool masked)
    {
        Assert.True(CidrParser.TryParse(text, out var network, out var hostBitsMasked));
        Assert.Equal(expected, network.ToString());
        Assert.Equal(masked, hostBitsMasked);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("1.2.3/24")]
    [InlineData("1.2.3.4/33")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3.4/")]
    [InlineData("/24")]
    [InlineData("256.0.0.0/8")]
    [InlineData("01.2.3.4/8")]
    [InlineData("1.2.3.4/08")]
    [InlineData(" 1.2.3.4/8")]
    [InlineData("1.2.3.4/8 ")]
    [InlineData("1.2.3.4 /8")]
    [InlineData("1.2.3.4/-1")]
    [InlineData("1.2.3.4/+8")]
    [InlineData("1.2.3.4/1000")]
    [InlineData("0x1.2.3.4/8")]
    [InlineData("1.2.3.4/8/8")]
    [InlineData("1..3.4/8")]
    [InlineData("1.2.3.4./8")]
    [InlineData("1.2.3.4.5/8")]
    [InlineData("\u0661.2.3.4/8")]
    [InlineData("::1/129")]
    [InlineData("::/")]
    [InlineData("fe80::1%1/64")]
    [InlineData("[::1]/128")]
    [InlineData("::1.2.3.04/128")]
    [InlineData("::1.2.3/128")]
    [InlineData("1:2:3/48")]
    [InlineData("1:::2/64")]
    [InlineData("1::2::3/64")]
    [InlineData("12345::/16")]
    [InlineData("g::/16")]
    [InlineData("1:2:3:4:5:6:7:8:9/128")]
    public void Malformed_prefixes_are_rejected(string text)
    {
        Assert.False(CidrParser.TryParse(text, out _, out _));
    }
}
