using System.Net;
using System.Text;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// <see cref="RangeSnapshot"/>: a snapshot gives back exactly the prefixes it was made from, and any snapshot
/// that is not for exactly this body, format, cloud and parser version, or is damaged, is refused.
/// </summary>
public sealed class RangeSnapshotTests
{
    private static readonly byte[] SourceHash = RangeSnapshot.HashOf("the source body"u8);

    public static TheoryData<string> RealFiles => [RealRanges.AwsFile, RealRanges.GcpFile, RealRanges.AzureFile];

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void The_real_files_round_trip_entry_for_entry(string file)
    {
        var (format, prefixes) = file switch
        {
            RealRanges.AwsFile => (RangeFormat.Aws, RealRanges.Aws),
            RealRanges.GcpFile => (RangeFormat.Gcp, RealRanges.Gcp),
            _ => (RangeFormat.Azure, RealRanges.Azure),
        };
        var cloud = prefixes[0].Location.Cloud;

        var snapshot = RangeSnapshot.Encode(format, SourceHash, cloud, prefixes);

        Assert.True(RangeSnapshot.TryDecode(snapshot, format, SourceHash, cloud, out var decoded));
        Assert.Equal(prefixes, decoded);
        // Compact: well under the JSON it replaces (at most 20 bytes per prefix plus the regions).
        Assert.True(snapshot.Length < 100 + (prefixes.Count * 20) + 64 * 1024, $"{snapshot.Length} bytes for {prefixes.Count} prefixes");
    }

    [Fact]
    public void Order_duplicates_ipv6_and_shared_locations_are_kept()
    {
        var prefixes = Sample();

        var snapshot = RangeSnapshot.Encode(RangeFormat.Aws, SourceHash, "aws", prefixes);

        Assert.True(RangeSnapshot.TryDecode(snapshot, RangeFormat.Aws, SourceHash, "aws", out var decoded));
        Assert.Equal(prefixes, decoded);
        // One location object per region, as the parsers produce.
        Assert.Same(decoded[0].Location, decoded[2].Location);
    }

    [Fact]
    public void An_empty_source_round_trips()
    {
        var snapshot = RangeSnapshot.Encode(RangeFormat.Gcp, SourceHash, "gcp", []);

        Assert.True(RangeSnapshot.TryDecode(snapshot, RangeFormat.Gcp, SourceHash, "gcp", out var decoded));
        Assert.Empty(decoded);
    }

    [Theory]
    [InlineData("another body")]
    [InlineData("another format")]
    [InlineData("another cloud")]
    [InlineData("another parser version")]
    [InlineData("not a snapshot")]
    [InlineData("empty")]
    public void A_snapshot_for_anything_else_is_refused(string difference)
    {
        var snapshot = RangeSnapshot.Encode(RangeFormat.Aws, SourceHash, "aws", Sample());
        var (format, hash, cloud) = (RangeFormat.Aws, SourceHash, "aws");
        switch (difference)
        {
            case "another body": hash = RangeSnapshot.HashOf("the source body, changed"u8); break;
            case "another format": format = RangeFormat.Gcp; break;
            case "another cloud": cloud = "AWS"; break;
            case "another parser version": snapshot[8]++; break;
            case "not a snapshot": snapshot = Encoding.UTF8.GetBytes(RangeRefreshTests.Version1); break;
            case "empty": snapshot = []; break;
        }

        Assert.False(RangeSnapshot.TryDecode(snapshot, format, hash, cloud, out var decoded));
        Assert.Empty(decoded);
    }

    [Fact]
    public void Every_truncation_and_every_flipped_bit_is_refused()
    {
        var snapshot = RangeSnapshot.Encode(RangeFormat.Aws, SourceHash, "aws", Sample());

        for (var length = 0; length < snapshot.Length; length++)
        {
            Assert.False(RangeSnapshot.TryDecode(snapshot.AsSpan(0, length), RangeFormat.Aws, SourceHash, "aws", out _), $"cut at {length}");
        }

        Assert.False(RangeSnapshot.TryDecode([.. snapshot, 0], RangeFormat.Aws, SourceHash, "aws", out _), "a byte appended");
        for (var bit = 0; bit < snapshot.Length * 8; bit++)
        {
            var damaged = (byte[])snapshot.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(RangeSnapshot.TryDecode(damaged, RangeFormat.Aws, SourceHash, "aws", out _), $"bit {bit} flipped");
        }
    }

    [Fact]
    public void Prefixes_of_another_cloud_are_not_encoded()
    {
        var error = Assert.Throws<ArgumentException>(() => RangeSnapshot.Encode(RangeFormat.Aws, SourceHash, "gcp", Sample()));

        Assert.Contains("cloud 'aws' in a snapshot of 'gcp'", error.Message, StringComparison.Ordinal);
    }

    private static CloudPrefix[] Sample()
    {
        var west3 = new CloudLocation("aws", "eu-west-3");
        var global = new CloudLocation("aws", "GLOBAL");
        return
        [
            new(IPNetwork.Parse("35.180.0.0/16"), west3),
            new(IPNetwork.Parse("64.252.64.0/18"), global),
            new(IPNetwork.Parse("2a05:d012::/40"), west3),
            new(IPNetwork.Parse("35.180.0.0/16"), global),
            new(IPNetwork.Parse("0.0.0.0/0"), new CloudLocation("aws", string.Empty)),
            new(IPNetwork.Parse("::ffff:10.0.0.0/104"), new CloudLocation("aws", "région-ü")),
        ];
    }
}
