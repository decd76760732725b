using System.Web;
using Archeio.Configuration;
using Archeio.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Signing;

/// <summary>The SAS is read-only, for the one blob, expires after Expires and has no start time (Azurite checks the signature: Signing/SignedMirrorTests).</summary>
public sealed class AzureSasSignerTests
{
    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFsTCjfvBfOJ+8dGYnhg==";

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/images/containers/images/sha256:ab", "https://acct.blob.core.windows.net/images/containers/images/sha256%3Aab?")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/images/sha256:ab", "http://127.0.0.1:10000/devstoreaccount1/images/sha256%3Aab?")]
    public void A_read_only_blob_SAS_that_expires_after_Expires_and_has_no_start(string url, string signedPrefix)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero));
        var key = AzureAccountKey.Parse(System.Text.Encoding.ASCII.GetBytes(AzuriteKey));
        var signer = new AzureSasSigner(new AzureSasSigning(TimeSpan.FromMinutes(15), null, null, "unused"), () => key, time);

        var signed = signer.Sign(url, HttpMethod.Get);

        Assert.StartsWith(signedPrefix, signed, StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(new Uri(signed).Query);
        Assert.Equal("r", query["sp"]);
        Assert.Equal("b", query["sr"]);
        Assert.Equal("2026-12-06T01:15:00Z", query["se"]);
        Assert.Null(query["st"]);
        Assert.False(string.IsNullOrEmpty(query["sig"]));
        Assert.Equal(signed, signer.Sign(url, HttpMethod.Head));
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("not base64!", "is not a storage account key")]
    [InlineData("c2hvcnQ=", "is not a storage account key")]
    public void Account_keys_are_checked_without_being_quoted(string? value, string why)
    {
        Assert.StartsWith(why, AzureAccountKey.Check(value), StringComparison.Ordinal);
    }
}
