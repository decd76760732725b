namespace Archeio.Requests;

/// <summary>What a request target denotes, before any routing decision.</summary>
internal enum RequestKind
{
    /// <summary><c>/</c>: the info page.</summary>
    Root,

    /// <summary><c>/privacy</c>: the privacy policy.</summary>
    Privacy,

    /// <summary>Any path outside <c>/v2</c> other than the two above.</summary>
    OutsideApi,

    /// <summary><c>/v2</c> or <c>/v2/</c>: the API version check.</summary>
    ApiBase,

    /// <summary><c>/v2/_catalog</c>: not offered.</summary>
    Catalog,

    /// <summary><c>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</c>.</summary>
    Manifest,

    /// <summary><c>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>.</summary>
    Blob,

    /// <summary><c>/v2/&lt;name&gt;/tags/list</c>.</summary>
    TagsList,

    /// <summary><c>/v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>.</summary>
    Referrers,

    /// <summary>A path under <c>/v2/</c> that is not a valid API path; see <see cref="RegistryRequest.Error"/>.</summary>
    Invalid,

    /// <summary>Not read at all: the method was refused first (<see cref="RegistryRequest.NotRead"/>).</summary>
    NotRead,
}
