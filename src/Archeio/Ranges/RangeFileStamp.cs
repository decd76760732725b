namespace Archeio.Ranges;

/// <summary>
/// What tells that a range file changed: its last write time and length, taken before it is read (a
/// file rewritten while being read gets a new time, so it is read again on the next refresh).
/// </summary>
internal readonly record struct RangeFileStamp(DateTime WriteTimeUtc, long Length);
