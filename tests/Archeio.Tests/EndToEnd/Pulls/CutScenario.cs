namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>The interrupted-download scenarios (<see cref="InterruptedDownloadTests"/>), each with its own Archeio.</summary>
internal enum CutScenario
{
    /// <summary>(a) The mirror holds the large layer; its proxy cuts the first GET of it.</summary>
    Mirror,

    /// <summary>(b) The mirror lacks the large layer, so it comes from the upstream, whose proxy cuts the first GET of it.</summary>
    Upstream,

    /// <summary>(c) The broken CDN: the mirror answers Range with 400 and cuts every GET of the large layer; no probes.</summary>
    CdnWithoutProbes,

    /// <summary>(c) The same CDN, with Archeio's probes: it ejects the mirror and sends the layer to the upstream.</summary>
    CdnWithProbes,
}
