using Archeio.Requests;

namespace Archeio.Tests.Requests;

public sealed class OciGrammarTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("pause", true)]
    [InlineData("k8s-artifacts-prod/images/kube-apiserver", true)]
    [InlineData("a.b", true)]
    [InlineData("a_b", true)]
    [InlineData("a__b", true)]
    [InlineData("a---b", true)]
    [InlineData("a___b", false)]
    [InlineData("a._b", false)]
    [InlineData("A", false)]
    [InlineData("a/", false)]
    [InlineData("/a", false)]
    [InlineData("a//b", false)]
    [InlineData("a/../b", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a\nb", false)]
    [InlineData("a\n", false)]
    public void Names(string name, bool valid) => Assert.Equal(valid, OciGrammar.IsName(name));

    [Theory]
    [InlineData("latest", true)]
    [InlineData("_x", true)]
    [InlineData("v1.2.3-rc.1_b", true)]
    [InlineData(".x", false)]
    [InlineData("-x", false)]
    [InlineData("a:b", false)]
    [InlineData("", false)]
    [InlineData("latest\n", false)]
    public void Tags(string tag, bool valid) => Assert.Equal(valid, OciGrammar.IsTag(tag));

    [Fact]
    public void Tags_are_at_most_128_characters()
    {
        Assert.True(OciGrammar.IsTag(new string('a', 128)));
        Assert.False(OciGrammar.IsTag(new string('a', 129)));
    }

    [Fact]
    public void Names_are_at_most_255_characters()
    {
        Assert.True(OciGrammar.IsName(new string('a', 255)));
        Assert.False(OciGrammar.IsName(new string('a', 256)));
    }

    [Theory]
    [InlineData("sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e", true)]
    [InlineData("sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43", false)]
    [InlineData("sha256:Da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e", false)]
    [InlineData("sha512:3b0998121425143be7164ea1555efbdf5b8a02ceedaa26e01910e7d017ff78ddbba27877bd42510a06cc14ac1bc6c451128ca3f0d0afba28b695e29b2702c9c7", true)]
    [InlineData("sha512:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e", false)]
    [InlineData("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", true)]
    [InlineData("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", true)]
    [InlineData("sha256", false)]
    [InlineData(":abc", false)]
    [InlineData("sha256:", false)]
    [InlineData("SHA256:abc", false)]
    [InlineData("sha256:abc/def", false)]
    [InlineData("a..b:abc", false)]
    public void Digests(string digest, bool valid) => Assert.Equal(valid, OciGrammar.IsDigest(digest));
}
