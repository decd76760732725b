using System.Collections.Concurrent;

namespace Archeio.Tests.TestBed;

/// <summary>
/// The last lines a daemon of the bed wrote (containerd, dockerd), kept for error messages: a bounded queue fed from
/// both output streams at once.
/// </summary>
internal sealed class RecentLines(int kept = 200)
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > kept)
        {
            _lines.TryDequeue(out _);
        }
    }

    public override string ToString() => string.Join('\n', _lines);
}
