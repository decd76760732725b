using System.Buffers.Text;
using System.Text;
using Archeio.Oci.MediaTypes;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary><see cref="ManifestContent"/>: which bytes may be stored as a manifest object under which digest.</summary>
public sealed class ManifestContentTests
{
    private const string Payload = """
        {
           "schemaVersion": 1,
           "name": "library/app",
           "tag": "old",
           "architecture": "amd64",
           "fsLayers": [{ "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4" }]
        }
        """;

    [Theory]
    [InlineData("application/vnd.oci.image.manifest.v1+json")]
    [InlineData("application/vnd.oci.image.index.v1+json")]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json")]
    [InlineData("application/vnd.docker.distribution.manifest.list.v2+json")]
    [InlineData("application/vnd.docker.distribution.manifest.v1+json")]
    [InlineData("application/vnd.oci.artifact.manifest.v1+json")]
    public void Bytes_that_hash_to_the_digest_pass_for_every_manifest_media_type(string mediaType)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\":2}");

        Assert.Null(ManifestContent.Verify(TestBlob.Of(bytes), mediaType, bytes));
        Assert.Null(ManifestContent.Verify(TestBlob.Of(bytes, sha512: true), mediaType, bytes));
    }

    [Fact]
    public void Other_bytes_other_media_types_and_non_digests_are_refused()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\":2}");
        var other = Encoding.UTF8.GetBytes("{\"schemaVersion\":3}");

        Assert.Equal("digest mismatch: content is " + TestBlob.Of(bytes), ManifestContent.Verify(TestBlob.Of(other), ManifestMediaTypes.OciManifest, bytes));
        Assert.StartsWith("media type text/html is not", ManifestContent.Verify(TestBlob.Of(bytes), "text/html", bytes), StringComparison.Ordinal);
        Assert.StartsWith("media type application/json is not", ManifestContent.Verify(TestBlob.Of(bytes), "application/json", bytes), StringComparison.Ordinal);
        Assert.NotNull(ManifestContent.Verify("sha256:../../x", ManifestMediaTypes.OciManifest, bytes));
        Assert.NotNull(ManifestContent.Verify(TestBlob.Of(bytes).ToUpperInvariant(), ManifestMediaTypes.OciManifest, bytes));
    }

    [Fact]
    public void A_signed_schema1_manifest_passes_under_the_digest_of_its_payload_and_only_as_signed_schema1()
    {
        var payload = Encoding.UTF8.GetBytes(Payload);
        var signed = Signed(payload);
        var digest = TestBlob.Of(payload);

        Assert.Equal(payload, ManifestContent.JwsPayload(signed));
        Assert.Null(ManifestContent.Verify(digest, ManifestMediaTypes.DockerSchema1Signed, signed));
        Assert.Null(ManifestContent.Verify(TestBlob.Of(signed), ManifestMediaTypes.DockerSchema1Signed, signed));
        Assert.NotNull(ManifestContent.Verify(digest, ManifestMediaTypes.DockerSchema1, signed));
        Assert.NotNull(ManifestContent.Verify(TestBlob.Of(Encoding.UTF8.GetBytes("{}")), ManifestMediaTypes.DockerSchema1Signed, signed));
    }

    [Fact]
    public void Signatures_that_disagree_on_the_payload_or_point_past_the_end_give_none()
    {
        var payload = Encoding.UTF8.GetBytes(Payload);

        Assert.Null(ManifestContent.JwsPayload(Signed(payload, agree: false)));
        Assert.Null(ManifestContent.JwsPayload(Encoding.UTF8.GetBytes("{\"signatures\":[{\"protected\":\"" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"formatLength\":100000,\"formatTail\":\"fQ\"}")) + "\"}]}")));
        Assert.Null(ManifestContent.JwsPayload(Encoding.UTF8.GetBytes("{\"signatures\":[{\"protected\":\"!!\"}]}")));
        Assert.Null(ManifestContent.JwsPayload(Encoding.UTF8.GetBytes("{\"signatures\":[]}")));
        Assert.Null(ManifestContent.JwsPayload(Encoding.UTF8.GetBytes("not json")));
    }

    /// <summary>
    /// A libtrust "pretty" JWS as Docker signs schema 1 manifests: the payload up to its closing brace, a <c>signatures</c>
    /// array, then the rest of the payload; each protected header says where the cut is (<c>formatLength</c>) and what
    /// followed it (<c>formatTail</c>). With <paramref name="agree"/> false the second signature names another tail.
    /// </summary>
    internal static byte[] Signed(byte[] payload, bool agree = true)
    {
        var cut = Array.LastIndexOf(payload, (byte)'}');
        string Protected(byte[] tail)
            => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"formatLength":{{cut}},"formatTail":"{{Base64Url.EncodeToString(tail)}}","time":"2016-01-01T00:00:00Z"}"""));

        var signatures = "," + $$"""

           "signatures": [
              { "header": { "alg": "ES256" }, "signature": "c2ln", "protected": "{{Protected(payload[cut..])}}" },
              { "header": { "alg": "ES256" }, "signature": "c2ln", "protected": "{{Protected(agree ? payload[cut..] : [.. payload[cut..], (byte)'\n'])}}" }
           ]
        """;
        return [.. payload.AsSpan(0, cut), .. Encoding.UTF8.GetBytes(signatures), .. payload.AsSpan(cut)];
    }
}
