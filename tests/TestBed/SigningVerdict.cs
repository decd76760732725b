namespace Archeio.TestBed;

/// <summary>
/// One request as a signing front (<see cref="SigV4BucketFront"/>, <see cref="CloudFrontFront"/>) judged it: one JSON
/// line of its stdout, written when the response had finished.
/// </summary>
/// <param name="Method">The request's method.</param>
/// <param name="Path">The path as received (percent-encoding kept, no query).</param>
/// <param name="Accepted">True when the signature verified and the request went on to the backend.</param>
/// <param name="Auth"><c>query</c> (presigned / signed URL), <c>header</c> (SigV4 <c>Authorization</c>) or <c>none</c>.</param>
/// <param name="Code">The refusal's error code (<c>SignatureDoesNotMatch</c>, <c>AccessDenied</c>, …); null when accepted.</param>
/// <param name="Check">Which check refused it (<c>unsigned</c>, <c>signature</c>, <c>expired</c>, <c>region</c>, …); null when accepted.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Status">The status sent: 403 for a refusal, the backend's for an accepted request (502 if it failed).</param>
internal sealed record SigningVerdict(string Method, string Path, bool Accepted, string Auth, string? Code, string? Check, string Reason, int Status)
{
    public override string ToString()
        => $"{Method} {Path} {(Accepted ? "accepted" : "refused")} auth={Auth} {Status}{(Code is null ? "" : $" {Code}/{Check}")}: {Reason}";
}
