using System.Globalization;
using System.IO.Hashing;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Http;
using Archeio.Requests;
using Archeio.Routing;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Net.Http.Headers;

namespace Archeio.Egress;

/// <summary>
/// <c>GET &lt;Egress:Path&gt;</c> on both ports, and only HTTP translation: which view (all, or one client's; JSON or
/// HTML), the conditional GET, the errors. The list is <see cref="EgressList"/>'s; the client's rule is decided by the
/// same <see cref="RequestRouter.Gather"/> and <see cref="Router.MatchRule"/> the registry requests go through.
/// </summary>
internal sealed class EgressEndpoint(EgressList list, RequestRouter routing, Router router, ArcheioSettings settings)
{
    private const string ClientParameter = "client";

    private readonly string? _path = settings.Egress.Path;

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton(sp => EgressList.Build(sp.GetRequiredService<ArcheioSettings>(), sp.GetRequiredService<Router>()));
        services.AddSingleton<EgressEndpoint>();
    }

    /// <summary>
    /// Branches requests for the list off before the registry handler: one ordinal comparison per request (paths are
    /// case-sensitive, and <see cref="PathString"/>'s own equality ignores case). Nothing is mapped when the list is off.
    /// </summary>
    public static void Map(IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoint = app.ApplicationServices.GetRequiredService<EgressEndpoint>();
        if (endpoint._path is not null)
        {
            app.MapWhen(endpoint.Serves, branch => branch.Run(endpoint.InvokeAsync));
        }
    }

    /// <summary>True when <paramref name="context"/> asks for the list (for the operations port's own dispatch too).</summary>
    public bool Serves(HttpContext context)
        => _path is not null && string.Equals(context?.Request.Path.Value, _path, StringComparison.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!Router.AllowsMethod(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return ResponseBody.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "text/plain; charset=utf-8", "405 method not allowed\n"u8.ToArray());
        }

        EgressVisitor? asked = null;
        if (request.Query.TryGetValue(ClientParameter, out var clients))
        {
            if (clients.Count != 1 || !IpAddressParser.TryParse(clients[0], out var address))
            {
                return ResponseBody.WriteOciErrorAsync(
                    context, StatusCodes.Status400BadRequest, OciErrorCode.Unsupported, "client must be one IPv4 or IPv6 address, e.g. ?client=203.0.113.7");
            }

            asked = VisitorOf(address, default, asked: true);
        }

        // The operations port's Host is the cluster-internal address of that port, not a host any client pulls from.
        var archeio = context.Connection.LocalPort == settings.Metrics.Port ? null : ArcheioHostOf(request);
        var html = AcceptNegotiation.PrefersHtml(request.Headers.Accept);
        var body = html
            ? EgressPage.Render(list, archeio, asked ?? VisitorOf(context.Connection.RemoteIpAddress, request.Headers[ForwardedHeadersDefaults.XForwardedForHeaderName], asked: false))
            : EgressJson.Write(list, archeio, asked);
        return WriteAsync(context, html, body);
    }

    /// <summary>The visitor's facts as a registry request of theirs would be gathered, and the rule they fit.</summary>
    private EgressVisitor VisitorOf(System.Net.IPAddress? peer, Microsoft.Extensions.Primitives.StringValues forwardedFor, bool asked)
    {
        var facts = routing.Gather(HttpMethods.Get, "/v2/", peer, forwardedFor);
        return new EgressVisitor(facts.Client, facts.Geo, list.EntryFor(router.MatchRule(facts.Client)), asked);
    }

    /// <summary>
    /// Archeio as the client reached it: the <c>Host</c> header, its port written out (by <c>X-Forwarded-Proto</c> when
    /// a load balancer in front terminated TLS, else the connection's scheme); null when the request named no host.
    /// </summary>
    internal static string? ArcheioHostOf(HttpRequest request)
    {
        var host = request.Host;
        if (!host.HasValue || host.Host.Length == 0)
        {
            return null;
        }

        var forwarded = request.Headers[ForwardedHeadersDefaults.XForwardedProtoHeaderName].ToString();
        var scheme = forwarded is "https" or "http" ? forwarded : request.Scheme;
        var port = host.Port ?? (string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80);
        return string.Create(CultureInfo.InvariantCulture, $"{host.Host.ToLowerInvariant()}:{port}");
    }

    /// <summary>
    /// The body with a strong ETag of its bytes: a poller (a CI job, a firewall sync) sends it back in
    /// <c>If-None-Match</c> and gets a 304 until the configuration, or what its request names, changes.
    /// </summary>
    private static Task WriteAsync(HttpContext context, bool html, byte[] body)
    {
        var response = context.Response;
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(XxHash128.Hash(body)) + "\"");
        var headers = response.Headers;
        headers.ETag = etag.ToString();
        // The answer depends on Accept (HTML or JSON) and Host (Archeio's own entry); the page also on who asks.
        headers.Vary = "Accept, Host";
        headers.CacheControl = html ? "private, no-cache" : "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (html)
        {
            // No script, no external asset: the policy says so to the browser too.
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        }

        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        return ResponseBody.WriteAsync(context, StatusCodes.Status200OK, html ? "text/html; charset=utf-8" : "application/json", body);
    }
}
