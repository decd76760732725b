namespace Geranos.Sync;

/// <summary>Something a run could not do.</summary>
/// <param name="Subject">What failed: <c>repo:tag</c>, <c>repo@digest</c>, a blob digest, or a destination.</param>
/// <param name="Reason">Why, in words.</param>
internal sealed record SyncFailure(string Subject, string Reason);
