using System.Buffers;
using System.Text;

namespace Archeio.Logging;

/// <summary>
/// <see cref="Console.Out"/> of the server process (set before the console logger starts): each string the console
/// logger writes is one whole entry, queued to <see cref="LogOutput"/> as one unit, so that its lines and the access
/// log's never interleave and neither ever blocks. Only the server process points standard output here; the in-process
/// test hosts and the other commands keep the real console.
/// </summary>
internal sealed class LogOutputWriter(LogOutput output) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        // Encoded on this thread into a buffer it gives back at once (LogOutput copies the line).
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(buffer.Length));
        try
        {
            output.Write(bytes.AsSpan(0, Encoding.UTF8.GetBytes(buffer, bytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    // The console logger writes whole strings; a lone character (nobody's use here) is still a unit of its own.
    public override void Write(char value) => Write([value]);

    public override void WriteLine(string? value) => Write(string.Concat(value, NewLine));

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync() => Task.CompletedTask;
}
