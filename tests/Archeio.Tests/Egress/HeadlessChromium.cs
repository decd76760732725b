using System.Diagnostics;
using Archeio.TestBed;

namespace Archeio.Tests.Egress;

/// <summary>
/// Debian's <c>chromium</c>, headless, one run per call: a profile and HOME of its own in a temporary directory (it
/// writes to both), no sandbox (tests run as root), and every request but the page's kept on loopback: background
/// networking off and a proxy that refuses (loopback targets bypass any proxy in Chromium, so the page loads direct).
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("archeio-chromium-").FullName;

    /// <summary>The page as the browser's DOM holds it after loading (<c>--dump-dom</c>).</summary>
    public async Task<string> DumpDomAsync(Uri page) => (await RunAsync("--dump-dom", page.AbsoluteUri)).Output;

    /// <summary>A PNG of the page at <paramref name="width"/> × <paramref name="height"/>, written to <paramref name="file"/>.</summary>
    public async Task ScreenshotAsync(Uri page, string file, int width, int height)
        => await RunAsync("--screenshot=" + file, $"--window-size={width},{height}", "--hide-scrollbars", page.AbsoluteUri);

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private async Task<(string Output, string Errors)> RunAsync(params string[] args)
    {
        Tools.Require("chromium");
        var info = new ProcessStartInfo(Tools.Find("chromium"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + Path.Combine(_home, "profile"),
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-default-apps", "--dns-prefetch-disable",
            "--proxy-server=http://127.0.0.1:" + LoopbackPorts.Free(), .. args])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = _home;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("chromium did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish within 90 s:\n{await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium {string.Join(' ', args)} exited with {process.ExitCode}:\n{await errors}");
        }

        return (await output, await errors);
    }
}
