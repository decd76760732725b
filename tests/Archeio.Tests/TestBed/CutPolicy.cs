namespace Archeio.Tests.TestBed;

/// <summary>Which GETs of the plan's blob are cut.</summary>
internal enum CutPolicy
{
    /// <summary>None.</summary>
    None,

    /// <summary>The first GET of the blob (answered 2xx, longer than the cut) after the plan was set; later ones pass.</summary>
    FirstGet,

    /// <summary>Every GET of the blob (answered 2xx, longer than the cut), ranged ones included.</summary>
    EveryGet,
}
