using System.Text;
using Archeio.Http;

namespace Archeio.Hosting;

/// <summary>
/// The operations port (<c>Metrics:Port</c>): <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>. Chosen by the
/// connection's local port rather than by listener configuration, so the branch works (and is tested) in the test
/// host too, where a request's local port can be set; the public port never sees these paths.
/// </summary>
internal sealed class OpsEndpoints(Readiness readiness)
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
        switch (context.Request.Path.Value)
        {
            case "/healthz":
                // The process is up and answering: nothing more is checked.
                return WriteAsync(context, StatusCodes.Status200OK, Ok);
            case "/readyz":
                return readiness.NotReadyReason() is { } reason
                    ? WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Encoding.UTF8.GetBytes(reason + "\n"))
                    : WriteAsync(context, StatusCodes.Status200OK, Ok);
            default:
                return WriteAsync(context, StatusCodes.Status404NotFound, NotFound);
        }
    }

    private static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        // Probes poll: no cache between them and the answer.
        context.Response.Headers.CacheControl = "no-store";
        return ResponseBody.WriteAsync(context, status, "text/plain; charset=utf-8", body);
    }
}
