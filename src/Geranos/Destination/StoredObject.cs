namespace Geranos.Destination;

/// <summary>One object of a listing.</summary>
/// <param name="Key">The full key.</param>
/// <param name="Size">Its size in bytes.</param>
internal sealed record StoredObject(string Key, long Size);
