using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Archeio.TestBed;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary>
/// One s3rver for every destination test, with bucket <see cref="Bucket"/>, and a client made the way Geranos makes
/// it (<see cref="S3ClientFactory"/>). Each test works under its own key prefix (<see cref="NewMirror"/>), so tests
/// share the store without seeing each other's objects.
/// </summary>
public sealed class S3DestinationFixture : IAsyncLifetime
{
    public const string Bucket = "geranos-dest";

    private S3rverProcess? _s3;
    private IAmazonS3? _client;
    private int _prefixes;

    internal S3rverProcess S3 => _s3 ?? throw new InvalidOperationException("not started");

    internal IAmazonS3 Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync(Bucket);
        _client = S3ClientFactory.Create(new S3Settings(new Uri(_s3.BaseUrl), "us-east-1", PathStyle: true, S3rverProcess.AccessKey, S3rverProcess.SecretKey));
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }
    }

    /// <summary>A mirror under a prefix no other test uses, in <paramref name="bucket"/> (default: <see cref="Bucket"/>).</summary>
    internal S3Mirror NewMirror(string? bucket = null)
        => new(Client, new DestinationUrl(bucket ?? Bucket, $"t{Interlocked.Increment(ref _prefixes)}/"));

    /// <summary>Creates another bucket (s3rver serves any number).</summary>
    internal async Task<string> CreateBucketAsync(string name)
    {
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>An object's bytes, or null when it does not exist.</summary>
    internal async Task<byte[]?> GetAsync(S3Mirror mirror, string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(mirror.Url.Bucket, key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Stores an object as is, bypassing every check (to damage a mirror on purpose).</summary>
    internal async Task PutRawAsync(S3Mirror mirror, string key, byte[] content)
    {
        using var body = new MemoryStream(content);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = mirror.Url.Bucket, Key = key, InputStream = body, UseChunkEncoding = false });
    }
}
