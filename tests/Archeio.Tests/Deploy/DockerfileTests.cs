using System.Diagnostics;
using System.Globalization;
using System.Net;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Xunit.Abstractions;

namespace Archeio.Tests.Deploy;

/// <summary>
/// The repository's Dockerfile. No container engine runs here, so the image's build is replayed: the build
/// stage's COPY steps (honouring .dockerignore) into a temporary root, its <c>dotnet</c> steps (the NativeAOT
/// publish) on this machine, the baked-ranges stage's <c>ranges fetch</c> (against the providers' files on
/// loopback), then the runtime stage's COPY, ENV and ENTRYPOINT, and the binary must serve, with the baked ranges
/// and the providers out of reach.
/// </summary>
public sealed class DockerfileTests(ITestOutputHelper output)
{
    private static readonly Lazy<string> Text = new(() => File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "Dockerfile")));

    private static readonly Lazy<IReadOnlyList<DockerStage>> Stages = new(() => Dockerfile.Parse(Text.Value));

    private const string BlobDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    /// <summary>The runtime stage is the last: what <c>docker build .</c> produces.</summary>
    private static DockerStage Runtime => Stages.Value[^1];

    private static readonly string[] BuildInputsAtTheRoot = ["global.json", ".editorconfig", "Directory.Build.props", "Directory.Packages.props"];

    private static DockerStage Stage(string name) => Stages.Value.Single(s => s.Name == name);

    [Fact]
    public void The_default_target_is_the_chiseled_runtime_deps_image_running_the_aot_binary_as_a_non_root_user()
    {
        Assert.Equal("archeio", Runtime.Name);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", Runtime.Image, StringComparison.Ordinal);

        var user = Assert.Single(Runtime.All("USER"));
        Assert.True(int.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid > 0, $"USER '{user}' must be a numeric non-root uid (runAsNonRoot checks it)");
        Assert.Equal(KubernetesManifestTests.ArcheioUid, uid);

        var exposed = Runtime.All("EXPOSE").SelectMany(Dockerfile.Words).ToHashSet();
        Assert.Equal(["8080", "9090"], exposed.Order(StringComparer.Ordinal));

        var entrypoint = Dockerfile.ExecForm(Assert.Single(Runtime.All("ENTRYPOINT")));
        var copied = Runtime.All("COPY").Select(Dockerfile.Words).Where(w => w[0] == "--from=build").Select(w => w[^1]);
        Assert.Contains(entrypoint[0], copied);

        // Only the binary: no .dbg symbols or XML docs in the image.
        var fromBuild = Runtime.All("COPY").Select(Dockerfile.Words).Single(w => w[0] == "--from=build");
        Assert.Equal("/out/Archeio", fromBuild[1]);
    }

    [Fact]
    public void The_build_stage_installs_the_native_toolchain_and_publishes_with_native_aot_for_linux_x64()
    {
        var build = Stage("build");
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.Image);
        var install = Assert.Single(build.All("RUN"), r => r.Contains("apt-get install", StringComparison.Ordinal));
        Assert.Contains("clang", Dockerfile.Words(install));
        Assert.Contains("zlib1g-dev", Dockerfile.Words(install));

        // The files above the project that the build reads: without .editorconfig, analyzer severities differ and warnings are errors.
        foreach (var stage in new[] { build, Stage("build-geranos") })
        {
            var copied = stage.All("COPY").SelectMany(Dockerfile.Words).ToHashSet();
            Assert.All(BuildInputsAtTheRoot, f => Assert.Contains(f, copied));
        }

        var publish = Dockerfile.Words(Assert.Single(build.All("RUN"), r => r.StartsWith("dotnet publish", StringComparison.Ordinal)));
        Assert.Equal(["dotnet", "publish", "src/Archeio", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", "/out"], publish);
    }

    [Fact]
    public void The_geranos_target_runs_the_geranos_binary_as_a_non_root_user()
    {
        var geranos = Stage("geranos");
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime:10.0", geranos.Image, StringComparison.Ordinal);
        Assert.Equal(KubernetesManifestTests.ArcheioUid.ToString(CultureInfo.InvariantCulture), Assert.Single(geranos.All("USER")));
        Assert.Equal(["/app/geranos"], Dockerfile.ExecForm(Assert.Single(geranos.All("ENTRYPOINT"))));
        Assert.Contains(Stage("build-geranos").All("RUN"), r => r.StartsWith("dotnet publish src/Geranos", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_bakes_the_ranges_fetched_at_build_time_unless_the_build_arg_skips_them()
    {
        var arguments = Dockerfile.GlobalArguments(Text.Value);
        Assert.Equal("fetch", arguments["BAKED_RANGES"]);
        var ranges = Stage("ranges");
        Assert.Equal("ranges-${BAKED_RANGES}", ranges.Image);
        Assert.Empty(ranges.Instructions);

        // Each value of the build argument names a stage that leaves /ranges: fetched, or empty (offline builds).
        var fetch = Stage("ranges-fetch");
        Assert.Equal("build", fetch.Image);
        Assert.Equal(["/out/Archeio", "ranges", "fetch", "--out", "/ranges"], Dockerfile.Words(Assert.Single(fetch.All("RUN"))));
        var skip = Stage("ranges-skip");
        Assert.Equal("build", skip.Image);
        Assert.Equal("mkdir -p /ranges", Assert.Single(skip.All("RUN")));
        Assert.Contains("--build-arg BAKED_RANGES=skip", Text.Value, StringComparison.Ordinal);

        var copied = Dockerfile.Words(Assert.Single(Runtime.All("COPY"), c => c.StartsWith("--from=ranges ", StringComparison.Ordinal)));
        Assert.Equal(["--from=ranges", "/ranges/", "/app/ranges/"], copied);
        Assert.Equal("Archeio__RangesRefresh__BakedDirectory=/app/ranges", Assert.Single(Runtime.All("ENV")));
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_and_the_repository_history_out_of_the_context()
    {
        var replay = new DockerBuildReplay(Tools.RepositoryRoot, Path.GetTempPath());
        Assert.True(replay.IsIgnored("src/Archeio/bin/Release/net10.0/Archeio.dll"));
        Assert.True(replay.IsIgnored("src/Archeio/obj/project.assets.json"));
        Assert.True(replay.IsIgnored(".git/HEAD"));
        Assert.True(replay.IsIgnored("tests/Archeio.Tests/Archeio.Tests.csproj"));
        Assert.False(replay.IsIgnored("src/Archeio/Program.cs"));
        Assert.False(replay.IsIgnored("src/Archeio/Configuration/archeio.default.json"));
        Assert.False(replay.IsIgnored("Directory.Packages.props"));
    }

    /// <summary>The one slow test (a NativeAOT publish: one to three minutes).</summary>
    [Fact]
    public async Task The_image_built_by_the_dockerfile_serves_redirects()
    {
        using var temp = new TempDirectory("docker");
        var replay = new DockerBuildReplay(Tools.RepositoryRoot, temp.Path);
        var started = Stopwatch.GetTimestamp();
        await replay.RunStageAsync(Stage("build"), TimeSpan.FromMinutes(9));
        var publishTime = Stopwatch.GetElapsedTime(started);
        // The baked-ranges stage, with the embedded profile's range URLs pointed at the providers' files on loopback.
        Dictionary<string, string> ranges;
        await using (var providers = await LoopbackProviders.StartAsync())
        {
            ranges = providers.Environment();
            var fetched = Assert.Single(await replay.RunStageAsync(Stage("ranges-fetch"), TimeSpan.FromMinutes(1), ranges));
            output.WriteLine(fetched.StandardOutput);
        }

        // From here on the providers' port is closed: the same URLs refuse connections, as providers out of reach do.
        await replay.RunStageAsync(Runtime, TimeSpan.FromMinutes(1));

        var entrypoint = Dockerfile.ExecForm(Assert.Single(Runtime.All("ENTRYPOINT")));
        var binary = replay.Map(entrypoint[0]);
        Assert.True(File.Exists(binary), binary);
        output.WriteLine($"publish {publishTime.TotalSeconds:F0} s; {entrypoint[0]} {new FileInfo(binary).Length / 1024.0 / 1024.0:F1} MiB");

        var ports = LoopbackPorts.Free(2);
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The root is not writable in the image: start from the root, as WORKDIR /app does, with nothing to write.
            WorkingDirectory = replay.Map("/app"),
        };
        foreach (var arg in entrypoint.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(n => n.StartsWith("Archeio", StringComparison.OrdinalIgnoreCase) || n.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        // The image's ENV (container paths mapped into the root), then the test's: ports, the same range URLs, and the
        // AWS client's mirror on loopback (the profile's S3 bucket is not reachable from here).
        foreach (var (name, value) in Runtime.All("ENV").Select(e => e.Split('=', 2)).Select(p => (p[0], p[1])))
        {
            info.Environment[name] = value.StartsWith('/') ? replay.Map(value) : value;
        }

        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(BlobDigest);
        info.Environment["PORT"] = ports[0].ToString(CultureInfo.InvariantCulture);
        info.Environment["Archeio__Metrics__Port"] = ports[1].ToString(CultureInfo.InvariantCulture);
        info.Environment[$"Archeio__Mirrors__{LoopbackProviders.EmbeddedMirrorIndex(LoopbackProviders.AwsClientMirror)}__BlobUrl"] = mirror.BlobUrlTemplate;
        foreach (var (name, value) in ranges)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };
            var apiVersion = await WaitForAnswerAsync(http, process, TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.OK, apiVersion.StatusCode);

            using var manifest = await http.GetAsync(new Uri("/v2/pause/manifests/3.10", UriKind.Relative));
            Assert.Equal(HttpStatusCode.TemporaryRedirect, manifest.StatusCode);
            Assert.Equal("https://us-central1-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/manifests/3.10", manifest.Headers.Location?.ToString());

            // The first blob request of an AWS client: its cloud and region come from the baked ranges alone.
            using var blob = new HttpRequestMessage(HttpMethod.Get, new Uri("/v2/pause/blobs/" + BlobDigest, UriKind.Relative));
            blob.Headers.Add("X-Forwarded-For", LoopbackProviders.AwsClient + ", 130.211.0.1");
            using var redirect = await http.SendAsync(blob);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
            Assert.Equal(mirror.BaseUrl + "/containers/images/" + BlobDigest, redirect.Headers.Location?.ToString());
        }
        finally
        {
            await Processes.StopAsync(process);
            output.WriteLine("stdout:\n" + await stdout);
            output.WriteLine("stderr:\n" + await stderr);
        }
    }

    private static async Task<HttpResponseMessage> WaitForAnswerAsync(HttpClient http, Process process, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Assert.False(process.HasExited, $"the binary exited with {(process.HasExited ? process.ExitCode : 0)} before answering");
            try
            {
                return await http.GetAsync(new Uri("/v2/", UriKind.Relative));
            }
            catch (HttpRequestException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
