namespace Archeio.Tests.TestBed;

/// <summary>One request a <see cref="FaultProxy"/> answered.</summary>
/// <param name="Method">The request method.</param>
/// <param name="Path">Path and query as received.</param>
/// <param name="Range">The request's <c>Range</c> header, or null.</param>
/// <param name="Status">The status sent (0: none, the request failed before).</param>
/// <param name="BytesSent">Body bytes written to the client (at most this many reached it).</param>
/// <param name="Cut">Whether the proxy dropped the connection mid-body on purpose.</param>
/// <param name="Error">Why the request ended otherwise than planned (client gone, peer unreachable), or null.</param>
/// <param name="Elapsed">From the request's arrival to its end.</param>
internal sealed record FaultProxyEntry(string Method, string Path, string? Range, int Status, long BytesSent, bool Cut, string? Error, TimeSpan Elapsed)
{
    public override string ToString()
        => $"{Method} {Path}{(Range is null ? "" : " Range: " + Range)} → {Status}, {BytesSent} bytes{(Cut ? ", CUT" : "")}{(Error is null ? "" : ", " + Error)}";
}
