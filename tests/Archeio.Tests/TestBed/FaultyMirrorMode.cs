
namespace Archeio.Tests.TestBed;

/// <summary>How a <see cref="FaultyMirror"/> answers (issue 9, property 4: mirrors that misbehave).</summary>
public enum FaultyMirrorMode
{
    /// <summary>A healthy mirror: 200 for the blobs it holds, 404 for others.</summary>
    Healthy,

    /// <summary>Nothing listens on the port: connections are refused.</summary>
    Refuse,

    /// <summary>The request is read, half a status line is sent, then the connection is reset (RST).</summary>
    ResetMidResponse,

    /// <summary>500 Internal Server Error.</summary>
    ServerError,

    /// <summary>200, but only after 30 s (far past any blob-check budget).</summary>
    SlowHead,

    /// <summary>301 to another host.</summary>
    Redirect301,

    /// <summary>302 to another host.</summary>
    Redirect302,

    /// <summary>307 to another host.</summary>
    Redirect307,

    /// <summary>404 for everything.</summary>
    NotFound,

    /// <summary>A line that is not an HTTP status line, then the connection is closed.</summary>
    GarbageStatusLine,

    /// <summary>A 200 whose header lines are trickled one byte every 100 ms (slowloris in reverse).</summary>
    SlowHeaders,
}
