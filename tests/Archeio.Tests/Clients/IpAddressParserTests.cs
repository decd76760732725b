using Archeio.Clients;

namespace Archeio.Tests.Clients;

public sealed class IpAddressParserTests
{
    [Theory]
    [InlineData("35.180.1.1", "35.180.1.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("2600:1f18::1", "2600:1f18::1")]
    [InlineData("::1", "::1")]
    [InlineData("::ffff:35.180.1.1", "35.180.1.1")]
    [InlineData("::FFFF:23b4:0101", "35.180.1.1")]
    [InlineData("2001:DB8::A", "2001:db8::a")]
    [InlineData("::192.0.2.1", "::192.0.2.1")]
    public void Accepts_plain_literals(string text, string expected)
    {
        Assert.True(IpAddressParser.TryParse(text, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.256")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.04")]
    [InlineData("0x1.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1..3.4")]
    [InlineData("1.2.3.")]
    [InlineData("1.2.3.4:80")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%1")]
    [InlineData("::g")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("localhost")]
    [InlineData("unknown")]
    [InlineData("１.２.３.４")]
    public void Rejects_anything_else(string text)
        => Assert.False(IpAddressParser.TryParse(text, out _));
}
