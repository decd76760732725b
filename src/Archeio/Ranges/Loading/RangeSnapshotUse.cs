namespace Archeio.Ranges.Loading;

/// <summary>What became of a source's <see cref="RangeSnapshot"/> when its body was loaded.</summary>
internal enum RangeSnapshotUse
{
    /// <summary>No cache directory: the body was parsed and no snapshot is kept.</summary>
    None,

    /// <summary>A snapshot of exactly this body was read instead of parsing it.</summary>
    Read,

    /// <summary>The body was parsed and its snapshot written for the next start.</summary>
    Written,

    /// <summary>The body was parsed, but its snapshot could not be written.</summary>
    WriteFailed,
}
