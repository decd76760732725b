namespace Archeio.Sources;

/// <summary>
/// A source's content is not in the shape its parser expects: the refresh fails and the last good value is kept.
/// The message says what is wrong (a line, a JSON path), so a bad file can be diagnosed from the log line alone.
/// </summary>
internal class SourceFormatException : Exception
{
    public SourceFormatException()
    {
    }

    public SourceFormatException(string message)
        : base(message)
    {
    }

    public SourceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
