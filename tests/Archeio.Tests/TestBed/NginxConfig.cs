using System.Globalization;
using System.Text;

namespace Archeio.Tests.TestBed;

/// <summary>Writes the configuration of the bed's nginx (see <see cref="NginxProcess"/>).</summary>
internal static class NginxConfig
{
    /// <summary>The access log format: one JSON object a line.</summary>
    public const string LogFormatName = "bed";

    /// <param name="options">What to serve.</param>
    /// <param name="prefix">nginx's prefix directory (pid, error log, temp files).</param>
    /// <param name="staticServer">Port and access log of the static server, when there is one.</param>
    /// <param name="loadBalancers">Port, client IP and access log of each load balancer.</param>
    public static string Render(
        NginxOptions options,
        string prefix,
        (int Port, string Log)? staticServer,
        IReadOnlyList<(int Port, string ClientIp, string Log)> loadBalancers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loadBalancers);
        var config = new StringBuilder();
        void Line(string text) => config.Append(text).Append('\n');

        Line("user root;");
        Line("worker_processes 1;");
        Line($"pid {Quote(Path.Combine(prefix, "nginx.pid"))};");
        Line($"error_log {Quote(Path.Combine(prefix, "error.log"))} warn;");
        Line("events { worker_connections 1024; }");
        Line("http {");
        Line("    default_type application/octet-stream;");
        Line("    server_tokens off;");
        Line("    sendfile on;");
        Line("    keepalive_timeout 65s;");
        Line("    keepalive_requests 100000;");
        foreach (var temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Line($"    {temp}_temp_path {Quote(Path.Combine(prefix, "temp", temp))};");
        }

        // Registry traffic: large uploads, long headers (tokens), long responses.
        Line("    client_max_body_size 0;");
        Line("    large_client_header_buffers 4 64k;");
        Line($"    log_format {LogFormatName} escape=json '{{\"time\":\"$time_iso8601\",\"method\":\"$request_method\",\"uri\":\"$request_uri\","
            + "\"status\":$status,\"bytes\":$body_bytes_sent,\"range\":\"$http_range\",\"xff\":\"$http_x_forwarded_for\","
            + "\"upstream\":\"$upstream_addr\",\"upstreamStatus\":\"$upstream_status\",\"location\":\"$sent_http_location\",\"requestTime\":$request_time}';");
        Line("    access_log off;");
        if (options.ExtraHttpDirectives is { } extra)
        {
            Line("    " + extra);
        }

        if (staticServer is { } s)
        {
            Line("    server {");
            Line($"        listen 127.0.0.1:{s.Port.ToString(CultureInfo.InvariantCulture)};");
            Line($"        access_log {Quote(s.Log)} {LogFormatName};");
            Line($"        root {Quote(options.StaticRoot!)};");
            Line("        location / { }");
            Line("    }");
        }

        if (loadBalancers.Count > 0)
        {
            // Google's load balancer appends "<client>, <lb>" to whatever X-Forwarded-For the client sent.
            Line("    map $http_x_forwarded_for $bed_forwarded_for_prefix { \"\" \"\"; default \"$http_x_forwarded_for, \"; }");
            // max_fails=0: never mark Archeio down after an error (it restarts between some tests).
            Line($"    upstream archeio {{ server 127.0.0.1:{options.ArcheioPort.ToString(CultureInfo.InvariantCulture)} max_fails=0; keepalive 16; }}");
            foreach (var (port, clientIp, log) in loadBalancers)
            {
                Line("    server {");
                Line($"        listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};");
                Line($"        access_log {Quote(log)} {LogFormatName};");
                Line("        location / {");
                Line("            proxy_pass http://archeio;");
                Line("            proxy_http_version 1.1;");
                Line("            proxy_set_header Connection \"\";");
                Line("            proxy_set_header Host $http_host;");
                Line($"            proxy_set_header X-Forwarded-For \"${{bed_forwarded_for_prefix}}{clientIp}, 127.0.0.1\";");
                Line("            proxy_set_header X-Forwarded-Proto $scheme;");
                Line("            proxy_redirect off;");
                Line("            proxy_buffering off;");
                Line("            proxy_request_buffering off;");
                Line("            proxy_buffer_size 64k;");
                Line("            proxy_buffers 8 64k;");
                Line("            proxy_busy_buffers_size 128k;");
                Line("            proxy_connect_timeout 5s;");
                Line("            proxy_read_timeout 300s;");
                Line("            proxy_send_timeout 300s;");
                Line("        }");
                Line("    }");
            }
        }

        Line("}");
        return config.ToString();
    }

    private static string Quote(string path)
        => path.Contains('"', StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal)
            ? throw new ArgumentException("path not usable in an nginx config: " + path, nameof(path))
            : "\"" + path + "\"";
}
