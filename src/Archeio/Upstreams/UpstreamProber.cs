using System.Net;
using Archeio.Configuration;
using Archeio.Http;
using Archeio.Oci.Auth;
using Archeio.Oci.MediaTypes;

namespace Archeio.Upstreams;

/// <summary>
/// Probes an upstream registry: a <c>GET &lt;Endpoint&gt;/v2/</c>, the API version check every client sends first
/// (distribution-spec, "Determining support":
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#determining-support), alive when it answers
/// below 500 (a 401 is a registry that wants a token: alive); then, when the upstream names a
/// <see cref="UpstreamSettings.ProbeManifest"/>, a <c>HEAD</c> of that manifest with the <c>Accept</c> of every
/// manifest media type, which must answer 200 (an edge that answers <c>/v2/</c> but refuses manifests is not alive
/// for a pull). The manifest HEAD fetches an anonymous pull token when challenged, as a client would (the auth
/// handler shared with Geranos); the <c>/v2/</c> GET does not, since its 401 is the answer. Redirects are followed, as
/// clients follow them. Both requests share one <c>UpstreamHealth:Timeout</c> on the injected clock; an exception
/// (refused connection, DNS, TLS, a token realm that refuses) is a failure with its message. Used by <see cref="UpstreamHealthService"/>
/// and <c>archeio explain --check</c>.
/// </summary>
internal sealed class UpstreamProber(HttpClient plain, HttpClient authenticating, UpstreamHealthSettings settings, TimeProvider time)
{
    public const string HttpClientName = "upstream-probe";

    public const string AuthenticatingHttpClientName = "upstream-probe-auth";

    private static readonly string ManifestAccept = string.Join(", ", ManifestMediaTypes.All);

    /// <summary>Registers the prober and its two HTTP clients (one plain, one that answers a registry's token challenge).</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var clients = sp.GetRequiredService<IHttpClientFactory>();
            return new UpstreamProber(
                clients.CreateClient(HttpClientName),
                clients.CreateClient(AuthenticatingHttpClientName),
                sp.GetRequiredService<ArcheioSettings>().UpstreamHealth,
                sp.GetRequiredService<TimeProvider>());
        });
        // A dead upstream's pooled connections must not outlive it: probes then dial afresh. UpstreamHealth:Timeout
        // bounds each probe on the injected clock.
        var pooled = TimeSpan.FromMinutes(1);
        services.AddHttpClient(HttpClientName).AsProbeClient(pooled);
        services.AddHttpClient(AuthenticatingHttpClientName).AsProbeClient(pooled)
            .AddHttpMessageHandler(sp => new RegistryAuthHandler(credentials: null, sp.GetRequiredService<TimeProvider>()));
    }

    public async Task<UpstreamProbeReport> ProbeAsync(UpstreamSettings upstream, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        string? failure;
        string detail;
        try
        {
            (failure, detail) = await ApiVersionAsync(upstream, linked.Token);
            if (failure is null && upstream.ProbeManifest is { } probe)
            {
                var (manifestFailure, manifestDetail) = await ManifestAsync(upstream, probe, linked.Token);
                failure = manifestFailure;
                detail += "; " + manifestDetail;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            failure = detail = $"no answer within {settings.Timeout.TotalSeconds:0.###} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            failure = detail = e.GetBaseException().Message;
        }

        return new UpstreamProbeReport(upstream, failure, detail, time.GetElapsedTime(started));
    }

    private async Task<(string? Failure, string Detail)> ApiVersionAsync(UpstreamSettings upstream, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, upstream.Endpoint + "/v2/");
        using var response = await plain.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        var status = (int)response.StatusCode;
        var detail = $"GET /v2/ answered {status}";
        return (status >= 500 ? detail : null, detail);
    }

    private async Task<(string? Failure, string Detail)> ManifestAsync(UpstreamSettings upstream, ManifestProbe probe, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, upstream.ProbeManifestUrl);
        request.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
        request.Options.Set(AuthScopes.Key, AuthScopes.Pull(upstream.Path.Length == 0 ? probe.Name : upstream.Path + "/" + probe.Name));
        using var response = await authenticating.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        var status = (int)response.StatusCode;
        var detail = $"HEAD {probe} answered {status}";
        return (response.StatusCode == HttpStatusCode.OK ? null : detail, detail);
    }
}
