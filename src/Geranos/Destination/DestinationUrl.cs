using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Geranos.Destination;

/// <summary>
/// Where a mirror lives: <c>s3://bucket[/key prefix]</c>. The bucket follows the general-purpose bucket naming rules
/// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), which the S3-compatible stores
/// accept too; the prefix is kept normalised to <c>""</c> or <c>"a/b/"</c> so keys are plain concatenations.
/// The blob layout <c>containers/images/{digest}</c> is the original mirroring tool's, so existing mirrors and the
/// redirect server keep working unchanged.
/// </summary>
/// <param name="Bucket">The bucket name.</param>
/// <param name="KeyPrefix">The key prefix, <c>""</c> or ending in <c>/</c>.</param>
internal sealed record DestinationUrl(string Bucket, string KeyPrefix)
{
    public const string Scheme = "s3://";

    private static readonly SearchValues<char> BucketCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789.-");

    /// <summary>Blob objects live under this, below <see cref="KeyPrefix"/>.</summary>
    public const string BlobFolder = "containers/images/";

    /// <summary>
    /// Manifest objects live under this, below <see cref="KeyPrefix"/>: a prefix of their own beside
    /// <see cref="BlobFolder"/>, so that blob listings and the blob inventory stay blobs only.
    /// </summary>
    public const string ManifestFolder = "containers/manifests/";

    /// <summary>Manifest markers live under this, below <see cref="KeyPrefix"/>.</summary>
    public const string MarkerFolder = "geranos/manifests/";

    /// <summary><c>{prefix}containers/images/</c>: the prefix to list blobs with.</summary>
    public string BlobPrefix => KeyPrefix + BlobFolder;

    /// <summary><c>{prefix}containers/manifests/</c>: the prefix to list manifest objects with.</summary>
    public string ManifestPrefix => KeyPrefix + ManifestFolder;

    /// <summary><c>{prefix}geranos/manifests/</c>: the prefix to list markers with.</summary>
    public string MarkerPrefix => KeyPrefix + MarkerFolder;

    /// <summary><c>{prefix}geranos/inventory.txt</c>.</summary>
    public string InventoryKey => KeyPrefix + "geranos/inventory.txt";

    /// <summary><c>{prefix}geranos/manifest-inventory.txt</c>: the manifests under <see cref="ManifestPrefix"/>, in the inventory's format.</summary>
    public string ManifestInventoryKey => KeyPrefix + "geranos/manifest-inventory.txt";

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says what is wrong when it is not a destination.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DestinationUrl? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty destination: expected s3://bucket[/prefix]";
            return false;
        }

        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}' is not an S3 URL: expected s3://bucket[/prefix]";
            return false;
        }

        var rest = text[Scheme.Length..];
        if (rest.IndexOfAny(['?', '#']) >= 0)
        {
            error = $"'{text}': a query or fragment has no meaning in s3://bucket[/prefix]";
            return false;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (BucketError(bucket) is { } bucketError)
        {
            error = $"'{text}': {bucketError}";
            return false;
        }

        if (prefix.EndsWith('/'))
        {
            prefix = prefix[..^1];
        }

        if (prefix.Length > 0)
        {
            if (PrefixError(prefix) is { } prefixError)
            {
                error = $"'{text}': {prefixError}";
                return false;
            }

            prefix += "/";
        }

        url = new DestinationUrl(bucket, prefix);
        error = null;
        return true;
    }

    /// <summary><c>{prefix}containers/images/{digest}</c>: where the redirect server sends clients for a blob.</summary>
    public string BlobKey(string digest) => BlobPrefix + digest;

    /// <summary><c>{prefix}containers/manifests/{digest}</c>: a manifest's bytes as the source served them, for clients that fetch it by digest.</summary>
    public string ManifestKey(string digest) => ManifestPrefix + digest;

    /// <summary><c>{prefix}geranos/manifests/{digest}</c>: the JSON <see cref="ManifestMarker"/> of a mirrored manifest.</summary>
    public string MarkerKey(string digest) => MarkerPrefix + digest;

    /// <summary>The URL as parsed: <c>s3://bucket</c> or <c>s3://bucket/a/b</c>.</summary>
    public override string ToString() => KeyPrefix.Length == 0 ? Scheme + Bucket : Scheme + Bucket + "/" + KeyPrefix.TrimEnd('/');

    private static string? BucketError(string bucket)
    {
        if (bucket.Length == 0)
        {
            return "no bucket name";
        }

        if (bucket.Length is < 3 or > 63)
        {
            return $"bucket name '{bucket}' must be 3 to 63 characters long, not {bucket.Length.ToString(CultureInfo.InvariantCulture)}";
        }

        if (bucket.AsSpan().ContainsAnyExcept(BucketCharacters))
        {
            return $"bucket name '{bucket}' may hold only lowercase letters, digits, dots and hyphens";
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            return $"bucket name '{bucket}' must begin and end with a letter or digit";
        }

        if (bucket.Contains("..", StringComparison.Ordinal))
        {
            return $"bucket name '{bucket}' must not hold two adjacent dots";
        }

        if (bucket.Count(c => c == '.') == 3 && IPAddress.TryParse(bucket, out _))
        {
            return $"bucket name '{bucket}' must not look like an IP address";
        }

        return bucket.StartsWith("xn--", StringComparison.Ordinal) || bucket.EndsWith("-s3alias", StringComparison.Ordinal)
            ? $"bucket name '{bucket}' uses a prefix or suffix S3 reserves"
            : null;
    }

    private static string? PrefixError(string prefix)
    {
        foreach (var segment in prefix.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"key prefix '{prefix}' has an empty segment ('//' or a leading '/')";
            }

            if (segment is "." or "..")
            {
                return $"key prefix '{prefix}' has a '{segment}' segment";
            }
        }

        return prefix.Any(char.IsControl) ? $"key prefix '{prefix}' holds a control character" : null;
    }
}
