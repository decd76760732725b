using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Archeio.TestBed;

/// <summary>
/// A token realm for Distribution's token auth (https://distribution.github.io/distribution/spec/auth/token/ and
/// .../auth/jwt/), on 127.0.0.1: <c>GET /token?service=…&amp;scope=…</c> checks one fixed user's basic credentials
/// and answers a JWT granting every action asked for. Anonymous requests get a token that grants nothing (as
/// Docker Hub does for private repositories), wrong credentials a 401.
/// <para>
/// The JWT is ES256-signed with a P-256 key made here, and carries that key's self-signed certificate in the
/// <c>x5c</c> header. Distribution 2.8 (registry/auth/token/token.go) trusts an <c>x5c</c> chain that verifies
/// against its <c>rootcertbundle</c>, which holds that certificate (<see cref="CertificateBundlePem"/>), and then
/// checks <c>iss</c>, <c>aud</c> (a single string in 2.8, not an array), <c>exp</c> and <c>nbf</c> (60 s leeway)
/// and the <c>access</c> claim. ES256 signatures are JOSE's r‖s, which is .NET's default ECDSA format.
/// </para>
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentQueue<TokenRequest> _requests = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private LoopbackServer _server = null!;

    private TokenServer(string service, string issuer, string username, string password)
    {
        Service = service;
        Issuer = issuer;
        Username = username;
        Password = password;
        var request = new CertificateRequest("CN=" + issuer, _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var now = DateTimeOffset.UtcNow;
        _certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }

    public string Service { get; }

    public string Issuer { get; }

    public string Username { get; }

    public string Password { get; }

    /// <summary>The realm URL for the registry's configuration and its <c>WWW-Authenticate</c> challenges.</summary>
    public Uri Realm => new(_server.BaseUrl + "/token");

    /// <summary>The signing certificate as PEM: Distribution's <c>rootcertbundle</c>.</summary>
    public string CertificateBundlePem => _certificate.ExportCertificatePem() + "\n";

    /// <summary>Every request so far, in order.</summary>
    public IReadOnlyList<TokenRequest> Requests => [.. _requests];

    public int Mark() => _requests.Count;

    public IReadOnlyList<TokenRequest> Since(int mark) => [.. _requests.Skip(mark)];

    public static async Task<TokenServer> StartAsync(string service, string issuer, string username, string password)
    {
        var server = new TokenServer(service, issuer, username, password);
        server._server = await LoopbackServer.StartAsync(server.HandleAsync);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != "/token")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // Clients may repeat scope or put several in one, separated by spaces.
        var scopes = context.Request.Query["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (context.Request.Query["service"] != Service)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("unknown service");
        }

        var user = BasicUser(context.Request.Headers.Authorization.ToString(), out var password);
        var accepted = user is null || (user == Username && password == Password);
        _requests.Enqueue(new TokenRequest(user, accepted, scopes));
        if (!accepted)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"archeio-token-server\"";
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"errors":[{"code":"UNAUTHORIZED","message":"wrong user name or password"}]}""");
        }

        var now = DateTimeOffset.UtcNow;
        var token = Sign(user, user is null ? [] : scopes, now);
        var body = new JsonObject
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = (int)TokenLifetime.TotalSeconds,
            // RFC 3339 with a Z: System.Text.Json writes '+' as \u002B, and skopeo's Go time parser does not unescape it.
            ["issued_at"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>A compact JWS: base64url(header).base64url(claims).base64url(r‖s).</summary>
    private string Sign(string? subject, IReadOnlyList<string> scopes, DateTimeOffset now)
    {
        var header = new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
        };
        var access = new JsonArray();
        foreach (var scope in scopes)
        {
            // type:name:actions, where a name may hold a port's colon: the type ends at the first colon, the actions start after the last.
            var first = scope.IndexOf(':', StringComparison.Ordinal);
            var last = scope.LastIndexOf(':');
            if (first < 0 || last <= first)
            {
                continue;
            }

            var actions = new JsonArray();
            foreach (var action in scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                actions.Add(action);
            }

            access.Add(new JsonObject { ["type"] = scope[..first], ["name"] = scope[(first + 1)..last], ["actions"] = actions });
        }

        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = subject ?? "",
            ["aud"] = Service,
            ["exp"] = (now + TokenLifetime).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static string? BasicUser(string authorization, out string? password)
    {
        password = null;
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return decoded;
        }

        password = decoded[(colon + 1)..];
        return decoded[..colon];
    }
}
