using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Archeio.TestBed;

/// <summary>
/// Azure Blob Storage: npm <c>azurite</c>'s <c>azurite-blob</c> on a free 127.0.0.1 port, its data in a temp
/// directory, the well-known development account <see cref="AccountName"/>/<see cref="AccountKey"/>, path-style URLs
/// (<see cref="BlobEndpoint"/> = <c>http://127.0.0.1:port/devstoreaccount1</c>). Azurite checks Shared Key and SAS
/// signatures itself, with that account key, and its own clock (no offset: an expired SAS is one made with a past
/// expiry). Started with <c>--skipApiVersionCheck</c> (the SDK's <c>x-ms-version</c> may be newer than the emulator),
/// <c>--disableTelemetry</c> (no traffic off the machine) and <c>--silent</c> (no access log).
/// Containers made by <see cref="CreatePrivateContainerAsync"/> have no public access: an anonymous read is refused.
/// Seeding uses Azure.Storage.Blobs with the account's Shared Key.
/// </summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The emulator's account (Azurite's published development account).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator account's published key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int Attempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly TempDirectory _data;
    private readonly ConcurrentQueue<string> _output = new();

    private AzuriteProcess(Process process, TempDirectory data, int port)
    {
        _process = process;
        _data = data;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:port/devstoreaccount1</c>: the account's blob endpoint (path-style).</summary>
    public string BlobEndpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}";

    public Uri BlobEndpointUri => new(BlobEndpoint);

    /// <summary>A connection string for the account at this endpoint.</summary>
    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>The account's Shared Key, for SAS made in a test (<c>BlobSasBuilder.ToSasQueryParameters(Credential)</c>).</summary>
    public StorageSharedKeyCredential Credential { get; } = new(AccountName, AccountKey);

    /// <summary>Azurite's data directory.</summary>
    public string DataDirectory => _data.Path;

    /// <summary>Everything Azurite printed so far, for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts azurite-blob and waits until it answers HTTP.</summary>
    public static async Task<AzuriteProcess> StartAsync()
    {
        Tools.Require("node", "azurite-blob");
        for (var attempt = 1; ; attempt++)
        {
            var data = new TempDirectory("azurite");
            var azurite = Launch(data, LoopbackPorts.Free());
            if (await LoopbackPorts.WaitUntilListeningAsync([azurite.Port], () => azurite._process.HasExited, StartTimeout)
                && await azurite.AnswersAsync())
            {
                return azurite;
            }

            var exited = azurite._process.HasExited;
            await azurite.DisposeAsync();
            if (exited && attempt < Attempts && azurite.Output.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                continue; // Another process took the free port first: try another.
            }

            throw new InvalidOperationException(
                $"azurite-blob on 127.0.0.1:{azurite.Port} {(exited ? "exited" : $"did not answer within {StartTimeout.TotalSeconds} s")}.\noutput:\n{azurite.Output}");
        }
    }

    /// <summary>A client of the account with its Shared Key (for seeding and listing).</summary>
    public BlobServiceClient CreateServiceClient() => new(BlobEndpointUri, Credential);

    /// <summary><c>BlobEndpoint/container/blob</c>, the blob name taken as a URL path as is.</summary>
    public Uri BlobUri(string container, string blobName) => new($"{BlobEndpoint}/{container}/{blobName.TrimStart('/')}");

    /// <summary>Creates <paramref name="name"/> with no public access (Shared Key auth); an anonymous read of its blobs is refused.</summary>
    public async Task<BlobContainerClient> CreatePrivateContainerAsync(string name)
    {
        var container = CreateServiceClient().GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync(PublicAccessType.None);
        return container;
    }

    /// <summary>Uploads a block blob (overwriting) with Shared Key auth; returns its URL (without any SAS).</summary>
    public async Task<Uri> UploadAsync(string container, string blobName, byte[] content, string contentType = "application/octet-stream")
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = CreateServiceClient().GetBlobContainerClient(container).GetBlobClient(blobName);
        await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } });
        return blob.Uri;
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
        _data.Dispose();
    }

    private static AzuriteProcess Launch(TempDirectory data, int port)
    {
        var info = new ProcessStartInfo(Tools.Find("node"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data.Path,
        };
        info.ArgumentList.Add(Tools.Find("azurite-blob"));
        foreach (var argument in new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--location", data.Path,
            "--silent", "--skipApiVersionCheck", "--disableTelemetry",
        })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("NODE_OPTIONS");
        var process = new Process { StartInfo = info };
        var azurite = new AzuriteProcess(process, data, port);
        process.OutputDataReceived += (_, e) => azurite.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => azurite.OnOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return azurite;
    }

    /// <summary>True once an anonymous account listing gets any HTTP answer (Azurite refuses it: it is up).</summary>
    private async Task<bool> AnswersAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var started = TimeProvider.System.GetTimestamp();
        while (!_process.HasExited && TimeProvider.System.GetElapsedTime(started) < StartTimeout)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BlobEndpoint + "?comp=list"));
                return true;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }

        return false;
    }

    private void OnOutput(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
