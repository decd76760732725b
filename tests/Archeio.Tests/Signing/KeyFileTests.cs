using System.Text;
using Archeio.Signing;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Signing;

/// <summary>A key file rotated in place is used within <see cref="KeyFile{T}.CheckInterval"/>; a bad one keeps the last good key.</summary>
public sealed class KeyFileTests : IDisposable
{
    private readonly TempDirectory _directory = new("keyfile");
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger<KeyFileTests> _log = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_changed_file_is_read_again_once_the_check_interval_is_over_and_only_then()
    {
        var path = Write("one");
        var key = new KeyFile<Key>(path, Key.Parse, _time, _log);

        Write("two-");
        Assert.Equal("one", key.Current.Text);
        _time.Advance(KeyFile<Key>.CheckInterval);

        Assert.Equal("two-", key.Current.Text);
        var reloaded = Assert.Single(_log.Entries, e => e.EventId == 120);
        Assert.Contains(path, reloaded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_no_longer_parses_keeps_the_last_good_key_and_is_reported_once_without_its_content()
    {
        var path = Write("good");
        var key = new KeyFile<Key>(path, Key.Parse, _time, _log);

        Write("bad secret");
        _time.Advance(KeyFile<Key>.CheckInterval);
        Assert.Equal("good", key.Current.Text);
        _time.Advance(KeyFile<Key>.CheckInterval);
        Assert.Equal("good", key.Current.Text);

        var failed = Assert.Single(_log.Entries, e => e.EventId == 121);
        Assert.DoesNotContain("secret", failed.Message, StringComparison.Ordinal);
        Write("fixed");
        _time.Advance(KeyFile<Key>.CheckInterval);
        Assert.Equal("fixed", key.Current.Text);
    }

    [Fact]
    public void An_unchanged_file_is_not_read_again()
    {
        var reads = 0;
        var path = Write("same");
        var key = new KeyFile<Key>(path, bytes => { reads++; return Key.Parse(bytes); }, _time, _log);

        for (var i = 0; i < 3; i++)
        {
            _time.Advance(KeyFile<Key>.CheckInterval);
            Assert.Equal("same", key.Current.Text);
        }

        Assert.Equal(1, reads);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_directory.Path, "key");
        // Each rewrite changes the length: the file's time may not move within its resolution, its length does.
        File.WriteAllText(path, text);
        return path;
    }

    private sealed class Key(string text)
    {
        public string Text { get; } = text;

        public static Key Parse(byte[] bytes)
        {
            var text = Encoding.UTF8.GetString(bytes);
            return text.Contains(' ', StringComparison.Ordinal) ? throw new FormatException("spaces are not allowed") : new Key(text);
        }
    }
}
