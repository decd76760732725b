namespace Archeio.TestBed;

/// <summary>
/// Distribution 2.8 with token auth (https://distribution.github.io/distribution/about/configuration/#token):
/// <c>auth.token</c> points at a <see cref="TokenServer"/> for its realm, service and issuer, and trusts the server's
/// signing certificate through <c>rootcertbundle</c>. Every request needs a token; pushing and reading need the
/// fixed <see cref="Username"/> and <see cref="Password"/> (<see cref="SkopeoCredentials"/> for skopeo).
/// </summary>
internal sealed class TokenAuthRegistry : IAsyncDisposable
{
    public const string Username = "geranos";
    public const string Password = "s3cret-for-tests";
    public const string Service = "archeio-token-test";
    public const string Issuer = "archeio-token-issuer";

    private readonly TempDirectory _directory;

    private TokenAuthRegistry(TempDirectory directory, TokenServer tokens, RegistryProcess registry)
    {
        _directory = directory;
        Tokens = tokens;
        Registry = registry;
    }

    public TokenServer Tokens { get; }

    public RegistryProcess Registry { get; }

    /// <summary><c>user:password</c>, as skopeo's <c>--creds</c> and <c>--dest-creds</c> take them.</summary>
    public static string SkopeoCredentials => Username + ":" + Password;

    public static async Task<TokenAuthRegistry> StartAsync(string name)
    {
        var directory = new TempDirectory("token-auth-" + name);
        TokenServer? tokens = null;
        try
        {
            tokens = await TokenServer.StartAsync(Service, Issuer, Username, Password);
            var bundle = directory.Combine("token-issuer.pem");
            await File.WriteAllTextAsync(bundle, tokens.CertificateBundlePem);
            var registry = await RegistryProcess.StartAsync(name, $"""
                auth:
                  token:
                    realm: {tokens.Realm}
                    service: {Service}
                    issuer: {Issuer}
                    rootcertbundle: {bundle}

                """);
            return new TokenAuthRegistry(directory, tokens, registry);
        }
        catch
        {
            if (tokens is not null)
            {
                await tokens.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Tokens.DisposeAsync();
        _directory.Dispose();
    }
}
