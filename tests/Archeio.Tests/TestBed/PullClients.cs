
namespace Archeio.Tests.TestBed;

/// <summary>The test bed's pull clients by name, for theories that run once per client.</summary>
internal static class PullClients
{
    public const string Skopeo = "skopeo";
    public const string Podman = "podman";
    public const string Containerd = "containerd";
    public const string Docker = "docker";

    public static IReadOnlyList<string> Names { get; } = [Skopeo, Podman, Containerd, Docker];

    /// <summary>Whether the client copies every platform of an index (skopeo <c>--all</c>) rather than the host's only.</summary>
    public static bool PullsAllPlatforms(string name) => name == Skopeo;

    public static async Task<IPullClient> StartAsync(string name) => name switch
    {
        Skopeo => new SkopeoPullClient(),
        Podman => new PodmanPullClient(),
        Containerd => await ContainerdPullClient.StartAsync(),
        Docker => await DockerPullClient.StartAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "one of " + string.Join(", ", Names)),
    };

    /// <summary>
    /// An empty <c>registries.conf</c> for skopeo and podman (<c>CONTAINERS_REGISTRIES_CONF</c>), so that no
    /// mirror or registry setting of the host applies to the bed's pulls.
    /// </summary>
    public static string WriteEmptyRegistriesConf(string directory)
    {
        var path = Path.Combine(directory, "registries.conf");
        File.WriteAllText(path, "unqualified-search-registries = []\n");
        return path;
    }
}
