namespace Archeio.TestBed;

/// <summary>An OCI content descriptor: what a manifest or index says about one blob.</summary>
internal sealed record OciDescriptor(string MediaType, string Digest, long Size);
