using System.Net;
using System.Net.Sockets;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Table;

public sealed class CloudPrefixTests
{
    private static readonly CloudLocation Paris = new("AWS", "eu-west-3");

    [Theory]
    [InlineData("35.180.0.0/16", true, "0x23B40000")]
    [InlineData("0.0.0.0/0", true, "0x0")]
    [InlineData("255.255.255.255/32", true, "0xFFFFFFFF")]
    [InlineData("2600:1f00::/24", false, "0x26001F00000000000000000000000000")]
    [InlineData("::ffff:10.0.0.0/104", false, "0xFFFF0A000000")]
    [InlineData("::/0", false, "0x0")]
    public void A_network_is_held_as_its_number_length_and_family_and_given_back_equal(string text, bool ipv4, string hex)
    {
        var network = IPNetwork.Parse(text);

        var prefix = new CloudPrefix(network, Paris);

        Assert.Equal(ipv4, prefix.IsIPv4);
        Assert.Equal(ipv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6, prefix.Family);
        Assert.Equal(UInt128.Parse(hex[2..], System.Globalization.NumberStyles.HexNumber, null), prefix.Address);
        Assert.Equal(network.PrefixLength, prefix.Length);
        Assert.Equal(network, prefix.Network);
        Assert.Same(Paris, prefix.Location);
        Assert.True(CloudPrefix.TryCreate(ipv4, prefix.Address, prefix.Length, Paris, out var made));
        Assert.Equal(prefix, made);
    }

    [Theory]
    [InlineData(true, "0x23B40001", 16)] // host bits
    [InlineData(true, "0x23B40000", 33)] // too long for IPv4
    [InlineData(true, "0x100000000", 0)] // above 32 bits
    [InlineData(false, "0x1", 127)] // host bits
    [InlineData(false, "0x0", 129)]
    [InlineData(true, "0x0", -1)]
    public void What_IPNetwork_refuses_is_refused(bool ipv4, string hex, int length)
    {
        Assert.False(CloudPrefix.TryCreate(ipv4, UInt128.Parse(hex[2..], System.Globalization.NumberStyles.HexNumber, null), length, Paris, out _));
    }

    [Fact]
    public void Equality_is_by_network_family_and_location()
    {
        var a = new CloudPrefix(IPNetwork.Parse("10.0.0.0/8"), Paris);

        Assert.Equal(a, new CloudPrefix(IPNetwork.Parse("10.0.0.0/8"), new CloudLocation("AWS", "eu-west-3")));
        Assert.NotEqual(a, new CloudPrefix(IPNetwork.Parse("10.0.0.0/9"), Paris));
        Assert.NotEqual(a, new CloudPrefix(IPNetwork.Parse("10.0.0.0/8"), new CloudLocation("AWS", "GLOBAL")));
        // The same number as an IPv6 prefix (::a00:0/104) is another prefix.
        Assert.True(CloudPrefix.TryCreate(false, a.Address, 104, Paris, out var v6));
        Assert.NotEqual(a, v6);
        Assert.Equal("10.0.0.0/8 " + Paris, a.ToString());
    }
}
