namespace Archeio.Configuration;

/// <summary>How log lines are written (<c>Archeio:Logging:Format</c>).</summary>
internal enum LogFormat
{
    /// <summary>Plain text when standard output is a terminal, JSON otherwise (containers, files, pipes).</summary>
    Auto,

    /// <summary>One JSON object per line.</summary>
    Json,

    /// <summary>Human-readable text.</summary>
    Plain,
}
