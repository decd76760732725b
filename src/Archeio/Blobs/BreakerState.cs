namespace Archeio.Blobs;

/// <summary>The state of a mirror's circuit breaker.</summary>
internal enum BreakerState
{
    /// <summary>HEADs go to the mirror; consecutive failures are counted.</summary>
    Closed,

    /// <summary>The mirror is skipped (absent, without a HEAD) until the break ends.</summary>
    Open,

    /// <summary>The break is over: one trial HEAD decides; everyone else still skips the mirror.</summary>
    HalfOpen,
}
