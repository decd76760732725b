namespace Archeio.TestBed;

/// <summary>One request to <see cref="TokenServer"/>'s realm.</summary>
/// <param name="User">The basic-auth user name, or null for an anonymous request.</param>
/// <param name="Accepted">Whether a token was issued (anonymous requests get one that grants nothing).</param>
/// <param name="Scopes">The <c>scope</c> parameters as asked, e.g. <c>repository:geranos/one:pull</c>.</param>
internal sealed record TokenRequest(string? User, bool Accepted, IReadOnlyList<string> Scopes);
