using System.Text.Json;
using Archeio.Requests;

namespace Archeio.Http;

/// <summary>Writes a small complete answer: status, type, length, and the body unless the method is exactly HEAD.</summary>
internal static class ResponseBody
{
    public static Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        // Methods are case-sensitive (RFC 9110 §9.1), and so is Kestrel: "head" is an unknown method whose answer
        // must carry its body. HttpMethods.IsHead ignores case, which left such answers short of their Content-Length,
        // and Kestrel answered 500 (found by Security/MalformedHttpTests).
        return context.Request.Method == HttpMethods.Head ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>
    /// The OCI error body: <c>{"errors":[{"code":...,"message":...}]}</c>
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes).
    /// </summary>
    public static Task WriteOciErrorAsync(HttpContext context, int status, OciErrorCode code, string message)
        => WriteAsync(context, status, OciErrorContentType, OciErrorBody(code, message));

    /// <summary>The content type of <see cref="OciErrorBody"/>.</summary>
    public const string OciErrorContentType = "application/json";

    /// <summary>The OCI error body's bytes, for an answer written many times (a rate limit's 429) to be encoded once.</summary>
    public static byte[] OciErrorBody(OciErrorCode code, string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("errors");
            json.WriteStartObject();
            json.WriteString("code", code.WireName());
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
