namespace Archeio.Blobs;

/// <summary>A check's answer as it is kept (the local cache, the shared store): whether the candidate holds the object, and its size.</summary>
/// <param name="Present">The candidate holds it.</param>
/// <param name="Size">Its size in bytes, when an answer gave it (a HEAD's <c>Content-Length</c>); -1 when none did.</param>
internal readonly record struct BlobAnswer(bool Present, long Size = -1);
