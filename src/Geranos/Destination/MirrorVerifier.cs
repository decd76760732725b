using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Amazon.S3;
using Archeio.Oci.Digests;

namespace Geranos.Destination;

/// <summary>
/// Checks that a mirror can serve what its markers promise. Shallow (listings, markers, inventories; cheap): every blob a
/// marker names is present with the size the manifest gives, every marked manifest has its object, every inventory and
/// manifest inventory digest exists, and nothing but digests lives under <c>containers/images/</c> and
/// <c>containers/manifests/</c>. Deep additionally reads back every blob and manifest object and hashes it with its
/// key's algorithm, which catches content that was overwritten or rotted in place with the same size, and checks that
/// each manifest object's <c>Content-Type</c> is a manifest media type.
/// </summary>
internal sealed class MirrorVerifier
{
    public const int DefaultReadBufferSize = 1024 * 1024;

    private readonly int _readBufferSize;

    /// <param name="readBufferSize">The buffer each deep read streams through.</param>
    public MirrorVerifier(int readBufferSize = DefaultReadBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readBufferSize);
        _readBufferSize = readBufferSize;
    }

    public async Task<VerifyReport> VerifyAsync(S3Mirror mirror, bool deep, int parallel, Action<long>? onBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var url = mirror.Url;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = ct };
        var problems = new ConcurrentBag<VerifyProblem>();

        var objects = await mirror.ListObjectsAsync(url.BlobPrefix, ct).ConfigureAwait(false);
        var blobs = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var stored in objects)
        {
            var name = stored.Key[url.BlobPrefix.Length..];
            if (Digest.IsVerifiable(name))
            {
                blobs[name] = stored.Size;
            }
            else
            {
                problems.Add(new VerifyProblem(stored.Key, "not a blob: the name is not a sha256 or sha512 digest"));
            }
        }

        var manifestObjects = await mirror.ListObjectsAsync(url.ManifestPrefix, ct).ConfigureAwait(false);
        var storedManifests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in manifestObjects)
        {
            var name = stored.Key[url.ManifestPrefix.Length..];
            if (Digest.IsVerifiable(name))
            {
                storedManifests.Add(name);
            }
            else
            {
                problems.Add(new VerifyProblem(stored.Key, "not a manifest: the name is not a sha256 or sha512 digest"));
            }
        }

        var markers = await mirror.ListMarkersAsync(ct).ConfigureAwait(false);

        // A marker says the manifest is complete here, which includes its object (Archeio serves it by digest).
        foreach (var manifest in markers.Where(m => !storedManifests.Contains(m)))
        {
            problems.Add(new VerifyProblem(url.ManifestKey(manifest), "missing, the manifest is recorded (a sync writes it)"));
        }

        // Blob digest -> the manifests that need it but find it missing or of another size.
        var missing = new ConcurrentDictionary<string, ConcurrentBag<string>>(StringComparer.Ordinal);
        var wrongSize = new ConcurrentDictionary<string, ConcurrentBag<(string Manifest, long Size)>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(markers, options, async (manifest, token) =>
        {
            ManifestMarker? marker;
            try
            {
                marker = await mirror.ReadMarkerAsync(manifest, token).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                problems.Add(new VerifyProblem(url.MarkerKey(manifest), "unreadable marker: " + e.Message));
                return;
            }

            foreach (var blob in marker?.Blobs ?? [])
            {
                if (!blobs.TryGetValue(blob.Digest, out var size))
                {
                    missing.GetOrAdd(blob.Digest, _ => []).Add(manifest);
                }
                else if (blob.Size is { } expected && expected != size)
                {
                    wrongSize.GetOrAdd(blob.Digest, _ => []).Add((manifest, expected));
                }
            }
        }).ConfigureAwait(false);

        foreach (var (digest, manifests) in missing)
        {
            var first = manifests.Order(StringComparer.Ordinal).First();
            var others = manifests.Distinct(StringComparer.Ordinal).Count() - 1;
            var more = others > 0 ? string.Create(CultureInfo.InvariantCulture, $" and {others} more") : "";
            problems.Add(new VerifyProblem(url.BlobKey(digest), $"missing, needed by manifest {first}{more}"));
        }

        foreach (var (digest, claims) in wrongSize)
        {
            var (manifest, expected) = claims.OrderBy(claim => claim.Manifest, StringComparer.Ordinal).First();
            problems.Add(new VerifyProblem(
                url.BlobKey(digest),
                string.Create(CultureInfo.InvariantCulture, $"size {blobs[digest]}, manifest {manifest} says {expected}")));
        }

        // The inventory may name manifests as well as blobs; a blob already reported missing for a marker is not repeated.
        if (await mirror.ReadInventoryAsync(ct).ConfigureAwait(false) is { } inventory)
        {
            foreach (var digest in inventory.Distinct(StringComparer.Ordinal))
            {
                if (!Digest.IsVerifiable(digest))
                {
                    problems.Add(new VerifyProblem(url.InventoryKey, $"'{digest}' is not a digest"));
                }
                else if (!blobs.ContainsKey(digest) && !markers.Contains(digest) && !missing.ContainsKey(digest))
                {
                    problems.Add(new VerifyProblem(url.BlobKey(digest), "missing, listed in the inventory"));
                }
            }
        }

        if (await mirror.ReadManifestInventoryAsync(ct).ConfigureAwait(false) is { } manifestInventory)
        {
            foreach (var digest in manifestInventory.Distinct(StringComparer.Ordinal))
            {
                if (!Digest.IsVerifiable(digest))
                {
                    problems.Add(new VerifyProblem(url.ManifestInventoryKey, $"'{digest}' is not a digest"));
                }
                else if (!storedManifests.Contains(digest))
                {
                    problems.Add(new VerifyProblem(url.ManifestKey(digest), "missing, listed in the manifest inventory"));
                }
            }
        }

        long bytesHashed = 0;
        if (deep)
        {
            await Parallel.ForEachAsync(storedManifests, options, async (digest, token) =>
            {
                var stored = await mirror.ReadManifestAsync(digest, token).ConfigureAwait(false);
                if (stored is not { } manifest)
                {
                    problems.Add(new VerifyProblem(url.ManifestKey(digest), "vanished while verifying"));
                    return;
                }

                Interlocked.Add(ref bytesHashed, manifest.Bytes.Length);
                onBytes?.Invoke(manifest.Bytes.Length);
                // Stores may add parameters (charset); the media type is what precedes them.
                var mediaType = manifest.ContentType?.Split(';')[0].Trim();
                if (!ManifestContent.IsManifestMediaType(mediaType))
                {
                    problems.Add(new VerifyProblem(url.ManifestKey(digest), $"Content-Type {manifest.ContentType ?? "(none)"} is not a manifest media type"));
                }
                else if (ManifestContent.Verify(digest, mediaType, manifest.Bytes) is { } problem)
                {
                    problems.Add(new VerifyProblem(url.ManifestKey(digest), problem.StartsWith("digest mismatch: ", StringComparison.Ordinal) ? problem["digest mismatch: ".Length..] : problem));
                }
            }).ConfigureAwait(false);

            await Parallel.ForEachAsync(blobs.Keys, options, async (digest, token) =>
            {
                var (actual, bytes) = await HashAsync(mirror, digest, onBytes, token).ConfigureAwait(false);
                Interlocked.Add(ref bytesHashed, bytes);
                if (actual is null)
                {
                    problems.Add(new VerifyProblem(url.BlobKey(digest), "vanished while verifying"));
                }
                else if (actual != digest)
                {
                    problems.Add(new VerifyProblem(url.BlobKey(digest), $"content is {actual}"));
                }
            }).ConfigureAwait(false);
        }

        var sorted = problems
            .OrderBy(problem => problem.Key, StringComparer.Ordinal)
            .ThenBy(problem => problem.Reason, StringComparer.Ordinal)
            .ToList();
        return new VerifyReport(url.ToString(), objects.Count, markers.Count, bytesHashed, sorted, manifestObjects.Count);
    }

    /// <summary>The digest of blob object <paramref name="digest"/> as stored, and its length; null digest if it is gone.</summary>
    private async Task<(string? Digest, long Bytes)> HashAsync(S3Mirror mirror, string digest, Action<long>? onBytes, CancellationToken ct)
    {
        if (!Digest.TryCreateHash(digest, out var hash, out _))
        {
            return (null, 0);
        }

        using (hash)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(_readBufferSize);
            try
            {
                using var response = await mirror.Client.GetObjectAsync(mirror.Url.Bucket, mirror.Url.BlobKey(digest), ct).ConfigureAwait(false);
                var stream = response.ResponseStream;
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(0, _readBufferSize), ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    total += read;
                    onBytes?.Invoke(read);
                }

                return (Digest.Format(hash), total);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return (null, 0);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
