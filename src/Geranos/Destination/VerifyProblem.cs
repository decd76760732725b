namespace Geranos.Destination;

/// <summary>Something wrong with one key of a mirror.</summary>
/// <param name="Key">The object key (blob, marker or inventory) the problem is about.</param>
/// <param name="Reason">What is wrong, for people.</param>
internal sealed record VerifyProblem(string Key, string Reason);
