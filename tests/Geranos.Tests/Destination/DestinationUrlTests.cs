using Archeio.Oci.Digests;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary><see cref="DestinationUrl"/>: parsing (bucket rules of https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html) and key layout.</summary>
public sealed class DestinationUrlTests
{
    [Theory]
    [InlineData("s3://bucket", "bucket", "", "s3://bucket")]
    [InlineData("s3://bucket/", "bucket", "", "s3://bucket")]
    [InlineData("s3://my-bucket.example/mirror", "my-bucket.example", "mirror/", "s3://my-bucket.example/mirror")]
    [InlineData("s3://abc/a/b/", "abc", "a/b/", "s3://abc/a/b")]
    [InlineData("S3://abc/a/b", "abc", "a/b/", "s3://abc/a/b")]
    [InlineData("s3://0ab/Mixed Case/x", "0ab", "Mixed Case/x/", "s3://0ab/Mixed Case/x")]
    [InlineData("s3://a23456789012345678901234567890123456789012345678901234567890123", "a23456789012345678901234567890123456789012345678901234567890123", "", "s3://a23456789012345678901234567890123456789012345678901234567890123")]
    public void Parses_good_urls(string text, string bucket, string prefix, string shown)
    {
        Assert.True(DestinationUrl.TryParse(text, out var url, out var error), error);
        Assert.Equal(bucket, url.Bucket);
        Assert.Equal(prefix, url.KeyPrefix);
        Assert.Equal(shown, url.ToString());
        Assert.True(DestinationUrl.TryParse(url.ToString(), out var again, out _));
        Assert.Equal(url, again);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("bucket/prefix", "not an S3 URL")]
    [InlineData("http://bucket/prefix", "not an S3 URL")]
    [InlineData("https://s3.amazonaws.com/bucket", "not an S3 URL")]
    [InlineData("s3://", "no bucket name")]
    [InlineData("s3:///prefix", "no bucket name")]
    [InlineData("s3://Bucket", "lowercase")]
    [InlineData("s3://under_score", "lowercase")]
    [InlineData("s3://ab", "3 to 63")]
    [InlineData("s3://a234567890123456789012345678901234567890123456789012345678901234", "3 to 63")]
    [InlineData("s3://-bucket", "begin and end")]
    [InlineData("s3://bucket-", "begin and end")]
    [InlineData("s3://my..bucket", "adjacent dots")]
    [InlineData("s3://192.168.5.4", "IP address")]
    [InlineData("s3://xn--bucket", "reserves")]
    [InlineData("s3://bucket//a", "empty segment")]
    [InlineData("s3://bucket/a//b", "empty segment")]
    [InlineData("s3://bucket/a/../b", "'..' segment")]
    [InlineData("s3://bucket/a?versionId=1", "query or fragment")]
    [InlineData("s3://bucket/a#top", "query or fragment")]
    [InlineData("s3://bucket?x", "query or fragment")]
    public void Refuses_bad_urls_saying_why(string? text, string reason)
    {
        Assert.False(DestinationUrl.TryParse(text, out var url, out var error));
        Assert.Null(url);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://bucket", "")]
    [InlineData("s3://bucket/a/b", "a/b/")]
    public void Keys_follow_the_layout(string text, string prefix)
    {
        const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Assert.True(DestinationUrl.TryParse(text, out var url, out _));

        Assert.Equal(prefix + "containers/images/" + Digest, url.BlobKey(Digest));
        Assert.Equal(prefix + "geranos/manifests/" + Digest, url.MarkerKey(Digest));
        Assert.Equal(prefix + "geranos/inventory.txt", url.InventoryKey);
    }

    [Theory]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("sha256:0123456789abcdef", false)]
    [InlineData("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("md5:0123456789abcdef0123456789abcdef", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("", false)]
    public void Only_canonical_sha256_and_sha512_digests_are_blobs(string digest, bool valid)
        => Assert.Equal(valid, Digest.IsVerifiable(digest));
}
