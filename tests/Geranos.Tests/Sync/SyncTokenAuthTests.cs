using System.Text.Json;
using Amazon.S3;
using Archeio.TestBed;
using Geranos.Tests.Source;

namespace Geranos.Tests.Sync;

/// <summary>
/// The real <c>geranos</c> process syncing from a Distribution behind token auth: the password comes on standard
/// input (never on the command line), repositories come from the catalog (scope <c>registry:catalog:*</c>).
/// </summary>
[Collection(SyncBedDefinition.Name)]
public sealed class SyncTokenAuthTests(SyncBed bed, TokenAuthRegistryFixture source) : IClassFixture<TokenAuthRegistryFixture>, IDisposable
{
    private readonly IAmazonS3 _s3 = bed.CreateClient();

    public void Dispose() => _s3.Dispose();

    [Fact]
    public async Task A_token_auth_source_is_mirrored_with_the_password_from_stdin()
    {
        var mark = source.Bed.Tokens.Mark();
        string[] arguments = ["sync", "--source", source.Bed.Registry.BaseUrl, "--source-username", TokenAuthRegistry.Username, "--source-password-stdin",
            "--dest", $"s3://{SyncBed.Bucket}/token", .. bed.S3Arguments, "--json"];

        var (exit, output, error) = await GeranosProcess.RunAsync(arguments, SyncBed.S3Environment, TokenAuthRegistry.Password + "\n");

        Assert.True(exit == 0, error);
        Assert.Equal(0, JsonDocument.Parse(output).RootElement.GetProperty("failures").GetArrayLength());
        var listed = await SyncBed.Mirror(_s3, "token").ListBlobsAsync(default);
        Assert.All(source.One.BlobDigests.Concat(source.Two.BlobDigests), d => Assert.Contains(d, listed.Keys));
        var scopes = source.Bed.Tokens.Since(mark).SelectMany(r => r.Scopes).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("registry:catalog:*", scopes);
        Assert.Contains("repository:geranos/one:pull", scopes);
        Assert.Contains("repository:geranos/two:pull", scopes);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_run_clearly_without_showing_it()
    {
        string[] arguments = ["sync", "--source", source.Bed.Registry.BaseUrl, "--repository", "geranos/one", "--source-username", TokenAuthRegistry.Username,
            "--source-password-stdin", "--dest", $"s3://{SyncBed.Bucket}/token-refused", .. bed.S3Arguments, "--json"];

        var (exit, output, error) = await GeranosProcess.RunAsync(arguments, SyncBed.S3Environment, "not-the-password\n");

        Assert.Equal(1, exit);
        var failure = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("failures").EnumerateArray());
        Assert.Equal("geranos/one", failure.GetProperty("subject").GetString());
        Assert.Contains("refused", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", output + error, StringComparison.Ordinal);
        Assert.Empty(await SyncBed.Mirror(_s3, "token-refused").ListBlobsAsync(default));
    }
}
