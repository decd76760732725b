// The baseline of bench/http.sh: the least an ASP.NET Core app can do per request.
// Every request gets a fixed 307 (or, with MINIMAL307_MODE=200, an empty 200: the "mirror" that
// Archeio's blob checks HEAD in the benchmark). Port from PORT (default 8080), loopback only, no logging.
using System.Globalization;
using System.Net;

var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var answerOk = Environment.GetEnvironmentVariable("MINIMAL307_MODE") == "200";

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
var app = builder.Build();

if (answerOk)
{
    app.Run(context =>
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    });
}
else
{
    app.Run(context =>
    {
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = "https://d1be1w964nk82h.cloudfront.net/containers/images/sha256:0000000000000000000000000000000000000000000000000000000000000000";
        return Task.CompletedTask;
    });
}

await app.RunAsync();
