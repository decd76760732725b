using Archeio.Configuration;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Archeio.Signing;

/// <summary>
/// A blob service SAS with read permission only (<c>sp=r</c>, <c>sr=b</c>), made by Azure.Storage.Blobs'
/// <see cref="BlobSasBuilder"/> with the account's shared key
/// (https://learn.microsoft.com/rest/api/storageservices/create-service-sas). No start time: a client whose clock is
/// behind would find the SAS not yet valid (Microsoft's advice). Read covers GET and HEAD.
/// </summary>
internal sealed class AzureSasSigner : UrlSigner
{
    private readonly AzureSasSigning _settings;
    private readonly TimeProvider _time;
    private readonly Func<AzureAccountKey> _key;
    // One reference, swapped whole: a pair of fields could be read torn by another request's thread.
    private volatile KeyCredential? _credential;

    public AzureSasSigner(AzureSasSigning settings, Func<AzureAccountKey> key, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _key = key;
    }

    public override string Sign(string url, HttpMethod method)
    {
        // The account, container and blob are read from the URL as the SDK reads it: virtual-host style
        // (account.blob.core.windows.net/container/blob) or path style (an IP address or emulator: host/account/container/blob).
        var blob = new BlobUriBuilder(new Uri(url));
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, _time.GetUtcNow() + _settings.Expires)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.BlobName,
            Resource = "b",
        };
        blob.Sas = sas.ToSasQueryParameters(CredentialFor(_settings.AccountName ?? blob.AccountName));
        return blob.ToUri().AbsoluteUri;
    }

    private StorageSharedKeyCredential CredentialFor(string account)
    {
        var key = _key();
        if (_credential is { } known && ReferenceEquals(known.Key, key) && known.Credential.AccountName == account)
        {
            return known.Credential;
        }

        var credential = new StorageSharedKeyCredential(account, key.Value);
        _credential = new KeyCredential(key, credential);
        return credential;
    }

    private sealed class KeyCredential(AzureAccountKey key, StorageSharedKeyCredential credential)
    {
        public AzureAccountKey Key { get; } = key;

        public StorageSharedKeyCredential Credential { get; } = credential;
    }
}
