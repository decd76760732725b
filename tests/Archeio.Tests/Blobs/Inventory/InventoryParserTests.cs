using System.Text;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Requests;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Blobs.Inventory;

public sealed class InventoryParserTests
{
    private const string Blake3 = "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
    private const string Multihash = "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TUdBTrfEmBJSXZHUpSyyd";
    private const string Base64Url = "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564";

    public static TheoryData<string, string, string[], int> Good => new()
    {
        { "empty", string.Empty, [], 0 },
        { "one line", Digests.Pause + "\n", [Digests.Pause], 1 },
        { "no final newline", Digests.Pause + "\n" + Digests.Missing, [Digests.Pause, Digests.Missing], 2 },
        { "CRLF", Digests.Pause + "\r\n" + Digests.Missing + "\r\n", [Digests.Pause, Digests.Missing], 2 },
        { "blank lines", "\n\n" + Digests.Pause + "\n\n\r\n  \n" + Digests.Missing + "\n\n", [Digests.Pause, Digests.Missing], 2 },
        { "surrounding whitespace", "  " + Digests.Pause + "\t\n\t " + Digests.Missing + " \r\n", [Digests.Pause, Digests.Missing], 2 },
        { "only whitespace", " \n\t\n\r\n", [], 0 },
        { "sha512", Digests.Sha512 + "\n", [Digests.Sha512], 1 },
        { "other algorithms", Blake3 + "\n" + Multihash + "\n" + Base64Url + "\n", [Blake3, Multihash, Base64Url], 3 },
        { "duplicates counted, stored once", Digests.Pause + "\n" + Digests.Pause + "\n", [Digests.Pause], 2 },
        { "byte order mark", "\uFEFF" + Digests.Pause + "\n", [Digests.Pause], 1 },
    };

    public static TheoryData<string, string, string> Bad => new()
    {
        { "not a digest on line 2", Digests.Pause + "\nnot-a-digest\n" + Digests.Missing, "line 2: 'not-a-digest' is not a digest" },
        { "line numbers count blank lines", "\n\n" + Digests.Pause + "\r\n\r\nsha256:zz\r\n", "line 5: 'sha256:zz' is not a digest" },
        { "uppercase sha256 hex", Digests.Pause.ToUpperInvariant(), "line 1: 'SHA256:" },
        { "uppercase hex only", "sha256:" + Digests.PauseHex.ToUpperInvariant(), "line 1: 'sha256:DA86" },
        { "sha256 of sha512 length", Digests.Sha256WithSha512Length, "line 1: 'sha256:3b09" },
        { "sha256 one digit short", Digests.Pause[..^1], "line 1:" },
        { "sha512 of sha256 length", "sha512:" + Digests.PauseHex, "line 1:" },
        { "space inside", "sha256: " + Digests.PauseHex, "line 1:" },
        { "two digests on a line", Digests.Pause + " " + Digests.Missing, "line 1:" },
        { "an HTML error page", "<html><body>Access denied</body></html>\n", "line 1: '<html><body>Access denied</body></html>' is not a digest" },
        { "a JSON document", "{\"digests\": []}", "line 1: '{\"digests\": []}'" },
        { "control characters are masked", "sha256:\u0001\u001b[31m", "line 1: 'sha256:??[31m' is not a digest" },
        { "non-ASCII", "sha256:é", "line 1: 'sha256:é' is not a digest" },
        { "longer than a digest may be", "sha1:" + new string('a', OciGrammar.MaxDigestLength), "line 1: 'sha1:aaaa" },
    };

    [Theory]
    [MemberData(nameof(Good))]
    public void A_good_inventory_is_parsed(string label, string text, string[] expected, int lines)
    {
        Assert.True(Parse(text, out var digests, out var count, out var error), label + ": " + error);

        Assert.Null(error);
        Assert.Equal(lines, count);
        Assert.Equal(expected.Length, digests.Count);
        Assert.All(expected, d => Assert.Contains(DigestKey.From(d), digests));
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_bad_line_rejects_the_whole_inventory_naming_it(string label, string text, string expectedError)
    {
        Assert.False(Parse(text, out var digests, out _, out var error), label);

        Assert.Null(digests);
        Assert.StartsWith(expectedError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_with_sizes_give_each_digest_its_size_and_lines_without_one_stay_unknown()
    {
        var text = $"{Digests.Pause} 742\n{Digests.Missing}\t 5368709120\r\n{Digests.Sha512}\n  \n{Digests.Pause}\n";

        Assert.True(Parse(text, out var digests, out var count, out var error), error);

        Assert.Equal(4, count);
        var sized = Assert.IsType<SizedDigests>(digests);
        Assert.Equal(3, sized.Count);
        Assert.True(sized.TryGetSize(DigestKey.From(Digests.Pause), out var size));
        Assert.Equal(742, size);
        Assert.True(sized.TryGetSize(DigestKey.From(Digests.Missing), out size));
        Assert.Equal(5_368_709_120, size);
        Assert.True(sized.TryGetSize(DigestKey.From(Digests.Sha512), out size));
        Assert.Equal(-1, size);
        Assert.True(digests.SetEquals([DigestKey.From(Digests.Pause), DigestKey.From(Digests.Missing), DigestKey.From(Digests.Sha512)]));
    }

    [Fact]
    public void An_inventory_of_digests_alone_stays_a_plain_set()
    {
        Assert.True(Parse(Digests.Pause + "\n" + Digests.Missing + "\n", out var digests, out _, out var error), error);

        Assert.IsType<HashSet<DigestKey>>(digests);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("12a")]
    [InlineData("1.5")]
    [InlineData("+7")]
    [InlineData("99999999999999999999")]
    [InlineData("9223372036854775808")]
    public void A_bad_size_rejects_the_whole_inventory_naming_its_line(string size)
    {
        Assert.False(Parse($"{Digests.Pause} 1\n{Digests.Missing} {size}\n", out var digests, out _, out var error));

        Assert.Null(digests);
        Assert.StartsWith("line 2: ", error, StringComparison.Ordinal);
        Assert.Contains("is not a digest and a size in bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_bad_line_is_shown_truncated()
    {
        var line = "sha256:" + new string('x', 200);

        Assert.False(Parse(Digests.Pause + "\n" + line + "\n", out _, out _, out var error));

        Assert.StartsWith("line 2: 'sha256:xxx", error, StringComparison.Ordinal);
        Assert.Contains("…' is not a digest", error, StringComparison.Ordinal);
        Assert.True(error.Length < 120, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void A_huge_line_is_rejected_without_reading_it_whole(int goodLinesBefore)
    {
        // 64 MiB without a newline: rejected as soon as it passes the line limit.
        var prefix = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Digests.Pause + "\n", goodLinesBefore)));
        var stream = new RepeatedByteStream(prefix, (byte)'a', 64 << 20);

        Assert.False(InventoryParser.TryParse(stream, out _, out _, out var error));

        Assert.StartsWith($"line {goodLinesBefore + 1} is longer than {InventoryBuilder.MaxLineBytes} bytes: 'aaa", error, StringComparison.Ordinal);
        Assert.True(stream.Position < 1 << 20, "read " + stream.Position + " bytes");
    }

    [Fact]
    public void A_line_just_within_the_limit_is_read_whole()
    {
        // Whitespace around a digest may pad a line up to the limit.
        var padding = new string(' ', InventoryBuilder.MaxLineBytes - Digests.Pause.Length);

        Assert.True(Parse(padding + Digests.Pause + "\n" + Digests.Missing, out var digests, out _, out var error), error);

        Assert.Equal(2, digests.Count);
        Assert.False(Parse(padding + " " + Digests.Pause, out _, out _, out _));
    }

    [Fact]
    public void Text_beyond_the_size_bound_is_rejected()
    {
        var text = Encoding.ASCII.GetBytes(Digests.Pause + "\n" + Digests.Missing + "\n");

        Assert.True(InventoryParser.TryParse(new MemoryStream(text), text.Length, 10, out _, out _, out _));
        Assert.False(InventoryParser.TryParse(new MemoryStream(text), text.Length - 1, 10, out var digests, out _, out var error));

        Assert.Null(digests);
        Assert.Equal($"larger than {text.Length - 1} bytes", error);
    }

    [Fact]
    public void Digests_beyond_the_count_bound_are_rejected()
    {
        var text = Encoding.ASCII.GetBytes(Digests.Pause + "\n\n" + Digests.Missing + "\n" + Digests.Sha512 + "\n");

        Assert.True(InventoryParser.TryParse(new MemoryStream(text), 1 << 20, 3, out _, out _, out _));
        Assert.False(InventoryParser.TryParse(new MemoryStream(text), 1 << 20, 2, out _, out _, out var error));

        Assert.Equal("more than 2 digests (line 4)", error);
    }

    [Fact]
    public void Chunk_boundaries_anywhere_give_the_same_result()
    {
        var text = Encoding.UTF8.GetBytes("\uFEFF " + Digests.Pause + "\r\n\n" + Blake3 + "\n  " + Digests.Sha512 + "\t\r\n" + Digests.Missing);
        for (var split = 0; split <= text.Length; split++)
        {
            var builder = new InventoryBuilder(1 << 20, 100);
            Assert.True(builder.Append(text.AsSpan(0, split)));
            Assert.True(builder.Append(text.AsSpan(split)));
            var result = builder.Complete();

            Assert.Null(result.Error);
            Assert.Equal(4, result.Count);
            Assert.Contains(DigestKey.From(Digests.Sha512), result.Digests!);
            Assert.Contains(DigestKey.From(Digests.Missing), result.Digests!);
        }
    }

    [Fact]
    public void Byte_by_byte_chunks_give_the_same_result()
    {
        var text = Encoding.ASCII.GetBytes(Digests.Pause + "\r\n" + Blake3 + "\nbad line\n");
        var builder = new InventoryBuilder(1 << 20, 100);
        foreach (var b in text)
        {
            builder.Append([b]);
        }

        Assert.Equal("line 3: 'bad line' is not a digest", builder.Complete().Error);
    }

    [Theory]
    [InlineData(Digests.Pause)]
    [InlineData("sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43")]
    [InlineData("sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43ee")]
    [InlineData("sha256:Da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e")]
    [InlineData("sha256:ga86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e")]
    [InlineData("sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43-")]
    [InlineData("Sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e")]
    [InlineData("sha255:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e")]
    [InlineData(Digests.Sha512)]
    [InlineData(Digests.Sha256WithSha512Length)]
    [InlineData(Blake3)]
    [InlineData("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564")]
    [InlineData("a:b")]
    [InlineData(":b")]
    [InlineData("a:")]
    [InlineData("a::b")]
    [InlineData("a_:b")]
    [InlineData("a+b.c_d-e:x=y")]
    public void A_line_is_accepted_exactly_when_the_grammar_accepts_it(string line)
    {
        Assert.Equal(OciGrammar.IsDigest(line), Parse(line, out _, out _, out _));
    }

    [Fact]
    public void A_sha256_line_has_the_key_of_its_digest()
    {
        Assert.True(Parse(Digests.Pause, out var digests, out _, out _));

        Assert.Equal(DigestKey.From(Digests.Pause), Assert.Single(digests));
    }

    [Fact]
    public async Task Parsing_asynchronously_gives_the_same_result()
    {
        var text = Encoding.ASCII.GetBytes(string.Join('\n', Enumerable.Range(0, 5000).Select(i => "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture))));

        var result = await InventoryParser.ParseAsync(new MemoryStream(text), text.Length, default);
        Assert.True(InventoryParser.TryParse(new MemoryStream(text), out var digests, out var count, out _));

        Assert.Null(result.Error);
        Assert.Equal(5000, result.Count);
        Assert.Equal(count, result.Count);
        Assert.True(digests.SetEquals(result.Digests!));
    }

    [Fact]
    public async Task Parsing_asynchronously_reports_errors_alike()
    {
        var text = Encoding.ASCII.GetBytes(Digests.Pause + "\nnope\n");

        var result = await InventoryParser.ParseAsync(new MemoryStream(text), null, default);

        Assert.Null(result.Digests);
        Assert.Equal("line 2: 'nope' is not a digest", result.Error);
    }

    private static bool Parse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IReadOnlySet<DigestKey>? digests, out int count, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
        => InventoryParser.TryParse(new MemoryStream(Encoding.UTF8.GetBytes(text)), out digests, out count, out error);
}
