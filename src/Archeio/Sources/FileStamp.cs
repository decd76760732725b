namespace Archeio.Sources;

/// <summary>
/// What tells that a file source changed: its last write time and length, taken before it is read (a file
/// rewritten while being read gets a new time, so it is read again on the next refresh).
/// </summary>
internal readonly record struct FileStamp(DateTime WriteTimeUtc, long Length);
