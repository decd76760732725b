using Archeio.Configuration;

namespace Archeio.Routing;

/// <summary>
/// What is known about which mirror holds the requested blob: nothing yet, or the outcome of
/// checking the candidates in order (the first holder, or none).
/// </summary>
internal readonly record struct MirrorState(bool Checked, MirrorSettings? Holder)
{
    public static MirrorState Unchecked => default;

    public static MirrorState HeldBy(MirrorSettings? holder) => new(true, holder);
}
