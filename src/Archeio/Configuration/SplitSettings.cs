namespace Archeio.Configuration;

/// <summary>A share of a rule's clients sent to another first choice (a gradual rollout).</summary>
/// <param name="Candidate">The candidate tried first by that share.</param>
/// <param name="Percent">The share, 0–100; a rule's shares add up to at most 100.</param>
internal sealed record SplitSettings(Candidate Candidate, int Percent);
