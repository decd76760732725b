using Archeio.Sources;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// A published range file does not have the shape its provider documents. The message names the
/// offending JSON path and value so a bad download can be diagnosed from the log line alone.
/// </summary>
internal sealed class RangeFormatException : SourceFormatException
{
    public RangeFormatException()
    {
    }

    public RangeFormatException(string message)
        : base(message)
    {
    }

    public RangeFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
