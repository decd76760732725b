using Archeio.Configuration;
using Archeio.TestBed;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Signing;

/// <summary><c>Mirrors:N:Signing</c>: read per kind, defaulted, and every bad value refused under its key at once.</summary>
public sealed class SigningSettingsTests : IDisposable
{
    private const string Prefix = "Archeio:Mirrors:0:Signing:";

    private static readonly Dictionary<string, string?> Base = new()
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example/",
        ["Archeio:Mirrors:0:Name"] = "private",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://bucket.s3.example/{digest}",
    };

    private readonly TempDirectory _keys = new("signing-settings");

    public void Dispose() => _keys.Dispose();

    [Fact]
    public void No_signing_section_leaves_the_mirror_unsigned()
        => Assert.Null(Read([]).Mirrors[0].Signing);

    [Fact]
    public void S3_reads_region_service_and_the_variables_named_with_Expires_defaulted()
    {
        Environment.SetEnvironmentVariable("ARCHEIO_TEST_KEY_ID", "AKID");
        Environment.SetEnvironmentVariable("ARCHEIO_TEST_SECRET", "secret");
        var signing = Read(new()
        {
            [Prefix + "Kind"] = "s3",
            [Prefix + "Region"] = "auto",
            [Prefix + "AccessKeyIdVariable"] = "ARCHEIO_TEST_KEY_ID",
            [Prefix + "SecretAccessKeyVariable"] = "ARCHEIO_TEST_SECRET",
        }).Mirrors[0].Signing;

        Assert.Equal(new S3Signing(TimeSpan.FromMinutes(10), "auto", "s3", "ARCHEIO_TEST_KEY_ID", "ARCHEIO_TEST_SECRET", null), signing);
    }

    [Fact]
    public void CloudFront_and_AzureSas_read_their_keys_files()
    {
        var pem = Path.Combine(_keys.Path, "cf.pem");
        File.WriteAllText(pem, System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem());
        var azureKey = Path.Combine(_keys.Path, "azure.key");
        File.WriteAllText(azureKey, Convert.ToBase64String(new byte[64]) + "\n");

        var settings = Read(new()
        {
            [Prefix + "Kind"] = "CloudFront",
            [Prefix + "Expires"] = "01:00:00",
            [Prefix + "KeyPairId"] = "K2JCJMDEHXQW5F",
            [Prefix + "PrivateKeyFile"] = pem,
            ["Archeio:Mirrors:1:Name"] = "azure",
            ["Archeio:Mirrors:1:BlobUrl"] = "https://acct.blob.core.windows.net/c/{digest}",
            ["Archeio:Mirrors:1:Signing:Kind"] = "AzureSas",
            ["Archeio:Mirrors:1:Signing:AccountKeyFile"] = azureKey,
        });

        Assert.Equal(new CloudFrontSigning(TimeSpan.FromHours(1), "K2JCJMDEHXQW5F", pem), settings.Mirrors[0].Signing);
        Assert.Equal(new AzureSasSigning(TimeSpan.FromMinutes(10), null, null, azureKey), settings.Mirrors[1].Signing);
    }

    public static TheoryData<Dictionary<string, string?>, string, string> BadValues => new()
    {
        { new() { [Prefix + "Region"] = "us-east-1" }, Prefix + "Kind", "is required" },
        { new() { [Prefix + "Kind"] = "Gcs" }, Prefix + "Kind", "not one of S3, CloudFront, AzureSas" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "us-east-1", [Prefix + "Expires"] = "00:00:30" }, Prefix + "Expires", "shorter than 00:01:00" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "us-east-1", [Prefix + "Expires"] = "8.00:00:00" }, Prefix + "Expires", "at most 7.00:00:00" },
        { new() { [Prefix + "Kind"] = "S3" }, Prefix + "Region", "is required" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "US East" }, Prefix + "Region", "not a region name" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "us-east-1", [Prefix + "AccessKeyIdVariable"] = "ARCHEIO_TEST_UNSET_VARIABLE" }, Prefix + "AccessKeyIdVariable", "'ARCHEIO_TEST_UNSET_VARIABLE' is not set" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "us-east-1", [Prefix + "Secret"] = "x" }, Prefix + "Secret", "unknown setting" },
        { new() { [Prefix + "Kind"] = "S3", [Prefix + "Region"] = "us-east-1", ["Archeio:Mirrors:0:BlobUrl"] = "https://b.example/{digest}?x=1" }, "Archeio:Mirrors:0:BlobUrl", "may not have a query" },
        { new() { [Prefix + "Kind"] = "CloudFront", [Prefix + "PrivateKeyFile"] = "/nonexistent/key.pem" }, Prefix + "KeyPairId", "is required" },
        { new() { [Prefix + "Kind"] = "AzureSas" }, Prefix + "AccountKeyVariable", "exactly one of AccountKeyVariable and AccountKeyFile" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Refuses_bad_values_naming_the_key(Dictionary<string, string?> values, string key, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(values));

        var error = ex.Errors[0];
        Assert.Equal(key, error.Key);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_key_of_a_signing_section_is_reported_at_once_and_no_secret_is_echoed()
    {
        var keyFile = Path.Combine(_keys.Path, "notakey.pem");
        File.WriteAllText(keyFile, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n");
        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(new()
        {
            [Prefix + "Kind"] = "CloudFront",
            [Prefix + "Expires"] = "00:00:10",
            [Prefix + "KeyPairId"] = "not an id",
            [Prefix + "PrivateKeyFile"] = keyFile,
        }));

        Assert.Equal([Prefix + "Expires", Prefix + "KeyPairId", Prefix + "PrivateKeyFile"], ex.Errors.Select(e => e.Key));
        Assert.Contains("does not hold a usable key", ex.Errors[2].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
    }

    private static ArcheioSettings Read(Dictionary<string, string?> values)
        => ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(Base).AddInMemoryCollection(values).Build());
}
