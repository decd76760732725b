using System.Text;

namespace Archeio.Tests.TestBed;

/// <summary>
/// Follows a log file that another process appends to: each <see cref="Poll"/> hands every new complete
/// line to the callback and keeps a trailing partial line for the next poll. Not thread-safe: callers serialise polls.
/// </summary>
internal sealed class LogTail(string path, Action<string> onLine) : IDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _partial = new();
    private FileStream? _stream;

    public string Path { get; } = path;

    public void Poll()
    {
        if (_stream is null)
        {
            if (!File.Exists(Path))
            {
                return;
            }

            _stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        int read;
        while ((read = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (_buffer[i] != (byte)'\n')
                {
                    continue;
                }

                _partial.Write(_buffer, start, i - start);
                var line = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length);
                _partial.SetLength(0);
                start = i + 1;
                onLine(line);
            }

            _partial.Write(_buffer, start, read - start);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _partial.Dispose();
    }
}
