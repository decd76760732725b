namespace Archeio.Sources;

/// <summary>
/// Reads one version of a source into its value.
/// </summary>
/// <exception cref="SourceFormatException">The content is not in the expected shape (the last good value is kept).</exception>
internal delegate Task<T> SourceParser<T>(SourceContent content, CancellationToken cancellationToken);
