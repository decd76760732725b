using System.Globalization;
using System.Text;
using Archeio.Blobs;
using Archeio.Configuration;
using Archeio.Egress;
using Archeio.Http;
using Archeio.Upstreams;

namespace Archeio.Hosting;

/// <summary>
/// The operations port (<c>Metrics:Port</c>): <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>, and the egress list
/// (<c>Egress:Path</c>), for monitoring and firewall tooling inside the cluster. Chosen by the
/// connection's local port rather than by listener configuration, so the branch works (and is tested) in the test
/// host too, where a request's local port can be set; the public port never sees these paths.
/// </summary>
internal sealed class OpsEndpoints(Readiness readiness, ArcheioSettings settings, BlobChecker checker, UpstreamHealthBoard upstreams, TimeProvider time, EgressEndpoint egress)
{
    private static readonly byte[] Ok = Encoding.UTF8.GetBytes("ok\n");
    private static readonly byte[] NotFound = Encoding.UTF8.GetBytes("404 page not found\n");

    /// <summary>Sends requests arriving on <paramref name="port"/> to the operations endpoints, the rest on.</summary>
    public static void Map(IApplicationBuilder app, int port)
    {
        app.MapWhen(
            context => context.Connection.LocalPort == port,
            ops =>
            {
                ops.UseOpenTelemetryPrometheusScrapingEndpoint();
                var endpoints = ops.ApplicationServices.GetRequiredService<OpsEndpoints>();
                ops.Run(endpoints.InvokeAsync);
            });
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (egress.Serves(context))
        {
            return egress.InvokeAsync(context);
        }

        switch (context.Request.Path.Value)
        {
            case "/healthz":
                // The process is up and answering: nothing more is checked.
                return WriteAsync(context, StatusCodes.Status200OK, Ok);
            case "/readyz":
                var details = RotationDetails();
                return readiness.NotReadyReason() is { } reason
                    ? WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Encoding.UTF8.GetBytes(reason + "\n" + details))
                    : WriteAsync(context, StatusCodes.Status200OK, details.Length == 0 ? Ok : Encoding.UTF8.GetBytes("ok\n" + details));
            default:
                return WriteAsync(context, StatusCodes.Status404NotFound, NotFound);
        }
    }

    /// <summary>
    /// A line per mirror a failed probe keeps out of rotation and per ejected upstream, after the status line. Neither
    /// makes the instance unready: a mirror's requests go to the next candidate or the upstream, an upstream's to the
    /// next healthy one of their list (or, all ejected, to the first: fail static), and another replica would do the same.
    /// </summary>
    private string RotationDetails()
    {
        var text = new StringBuilder();
        foreach (var mirror in settings.Mirrors)
        {
            if (checker.OutOfRotation(mirror) is { } hold)
            {
                text.Append(CultureInfo.InvariantCulture, $"mirror {mirror.Name}: out of rotation for {(time.GetUtcNow() - hold.Since).TotalSeconds:F0} s (since {hold.Since:yyyy-MM-ddTHH:mm:ssZ}), probe failed: {hold.Reason}\n");
            }
        }

        foreach (var upstream in settings.ProbedUpstreams)
        {
            var state = upstreams.StateOf(upstream);
            if (state.Ejected)
            {
                text.Append(CultureInfo.InvariantCulture, $"upstream {upstream.Name}: ejected for {(time.GetUtcNow() - state.Since).TotalSeconds:F0} s (since {state.Since:yyyy-MM-ddTHH:mm:ssZ}), probe failed: {state.Reason}\n");
            }
        }

        return text.ToString();
    }

    private static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        // Probes poll: no cache between them and the answer.
        context.Response.Headers.CacheControl = "no-store";
        return ResponseBody.WriteAsync(context, status, "text/plain; charset=utf-8", body);
    }
}
