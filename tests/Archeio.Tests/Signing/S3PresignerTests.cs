using System.Text;
using Archeio.Configuration;
using Archeio.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Signing;

/// <summary>The hand-written SigV4 presigner against AWS's published example, and the shape of what it signs.</summary>
public sealed class S3PresignerTests
{
    private const string PublishedSignature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    private static readonly S3Credential Example = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null);

    [Fact]
    public void Signs_AWSs_published_query_string_example_to_its_published_signature()
    {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html, "An example": GET test.txt from
        // examplebucket, 24 May 2013 00:00:00 UTC, valid 86400 s, us-east-1.
        var time = new FakeTimeProvider(new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero));
        var signer = Presigner(time, Example, expires: TimeSpan.FromSeconds(86400));

        var url = signer.Sign("https://examplebucket.s3.amazonaws.com/test.txt", HttpMethod.Get);

        Assert.Equal(
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=" + PublishedSignature,
            url);
    }

    [Fact]
    public void The_method_is_signed_so_a_GET_URL_differs_from_a_HEAD_URL()
    {
        var signer = Presigner(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)), Example);
        var get = signer.Sign("https://b.s3.example/d", HttpMethod.Get);
        var head = signer.Sign("https://b.s3.example/d", HttpMethod.Head);

        Assert.NotEqual(SignatureOf(get), SignatureOf(head));
        Assert.Equal(get[..get.IndexOf("&X-Amz-Signature=", StringComparison.Ordinal)], head[..head.IndexOf("&X-Amz-Signature=", StringComparison.Ordinal)]);
    }

    [Fact]
    public void A_path_is_decoded_then_encoded_once_as_S3_names_the_key_and_a_port_stays_in_the_host()
    {
        var signer = Presigner(new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 1, 2, 3, TimeSpan.Zero)), Example);

        var url = signer.Sign("http://127.0.0.1:9000/bucket/containers/images/sha256:ab~c%2Fd", HttpMethod.Get);

        // S3 decodes the path into the key ("c%2Fd" names the key "c/d"): the signature is over the key encoded once.
        Assert.StartsWith("http://127.0.0.1:9000/bucket/containers/images/sha256%3Aab~c/d?X-Amz-Algorithm=", url, StringComparison.Ordinal);
        Assert.Contains("&X-Amz-Date=20261206T010203Z&X-Amz-Expires=600&", url, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client sends the host as System.Uri writes it (lower case, no default port), so that is what is signed and
    /// handed out, whichever way the template spelled it; and one second's URLs share its state yet differ by path.
    /// </summary>
    [Theory]
    [InlineData("https://Examplebucket.S3.amazonaws.com:443/test.txt")]
    [InlineData("HTTPS://examplebucket.s3.amazonaws.com/test.txt")]
    [InlineData("https://examplebucket.s3.amazonaws.com/test%2Etxt")]
    public void A_host_or_path_spelled_otherwise_signs_as_System_Uri_normalizes_it(string url)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero));
        var signer = Presigner(time, Example, expires: TimeSpan.FromSeconds(86400));

        Assert.Equal(signer.Sign("https://examplebucket.s3.amazonaws.com/test.txt", HttpMethod.Get), signer.Sign(url, HttpMethod.Get));
        Assert.EndsWith(PublishedSignature, signer.Sign(url, HttpMethod.Get), StringComparison.Ordinal);
        Assert.NotEqual(SignatureOf(signer.Sign(url, HttpMethod.Get)), SignatureOf(signer.Sign("https://examplebucket.s3.amazonaws.com/test.txu", HttpMethod.Get)));
    }

    [Fact]
    public void Temporary_credentials_carry_their_token_in_the_signed_query()
    {
        var signer = Presigner(new FakeTimeProvider(), new S3Credential("ASIAEXAMPLE", "secret", "token/with+chars="));

        var url = signer.Sign("https://b.s3.example/d", HttpMethod.Get);

        Assert.Contains("&X-Amz-Expires=600&X-Amz-Security-Token=token%2Fwith%2Bchars%3D&X-Amz-SignedHeaders=host&X-Amz-Signature=", url, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_day_or_new_credentials_derive_a_new_key()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 23, 59, 59, TimeSpan.Zero));
        var source = new SwitchingCredentials();
        var signer = new S3Presigner(new S3Signing(TimeSpan.FromMinutes(10), "us-east-1", "s3", null, null, null), source, time);
        var first = signer.Sign("https://b.s3.example/d", HttpMethod.Get);
        time.Advance(TimeSpan.FromSeconds(1));
        var nextDay = signer.Sign("https://b.s3.example/d", HttpMethod.Get);
        source.Now = new S3Credential(Example.AccessKeyId, "rotated", null);
        var rotated = signer.Sign("https://b.s3.example/d", HttpMethod.Get);

        Assert.Contains("%2F20261206%2F", first, StringComparison.Ordinal);
        Assert.Contains("%2F20261207%2F", nextDay, StringComparison.Ordinal);
        Assert.NotEqual(SignatureOf(nextDay), SignatureOf(rotated));
    }

    [Fact]
    public void Credentials_print_no_secret()
    {
        var text = new StringBuilder().Append(Example).ToString();

        Assert.DoesNotContain(Example.SecretAccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Example.AccessKeyId, text, StringComparison.Ordinal);
    }

    private static S3Presigner Presigner(TimeProvider time, S3Credential credential, TimeSpan? expires = null)
        => new(new S3Signing(expires ?? SigningSettings.DefaultExpires, "us-east-1", "s3", null, null, null), new S3Credentials.Fixed(credential), time);

    private static string SignatureOf(string url) => url[(url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + 16)..];

    private sealed class SwitchingCredentials : S3Credentials
    {
        public S3Credential Now { get; set; } = Example;

        public override S3Credential Current => Now;
    }
}
