using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.TestBed;

/// <summary>
/// A minimal stand-in for a redirecting registry front on 127.0.0.1: answers <c>GET /v2/</c> itself and
/// redirects every other request with 307 to the same path and query on another base URL.
/// For checking that pull clients follow redirects to another loopback port; logs what it answered to <see cref="AccessLog"/>.
/// </summary>
internal sealed class PathRedirector : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly string _target;

    private PathRedirector(string name, string targetBaseUrl)
    {
        _target = targetBaseUrl.TrimEnd('/');
        AccessLog = new AccessLog(name);
    }

    public string BaseUrl => _server.BaseUrl;

    public string HostPort => new Uri(BaseUrl).Authority;

    public AccessLog AccessLog { get; }

    public static async Task<PathRedirector> StartAsync(string name, string targetBaseUrl)
    {
        var redirector = new PathRedirector(name, targetBaseUrl);
        redirector._server = await LoopbackServer.StartAsync(redirector.Handle);
        return redirector;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }

    private Task Handle(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
        if (request.Path == "/v2/" || request.Path == "/v2")
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            AccessLog.Add(request.Method, request.Path, response.StatusCode);
            return response.WriteAsync("{}");
        }

        response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        response.Headers.Location = _target + request.Path + request.QueryString;
        AccessLog.Add(request.Method, request.Path + request.QueryString, response.StatusCode);
        return Task.CompletedTask;
    }
}
