using Archeio.Ranges.Loading;

namespace Archeio.Hosting;

/// <summary>
/// The host's service container, built as the default factory builds it, which then starts the range load at once:
/// the range snapshots decode on the second core while the host itself is still being put together (the
/// <see cref="IHost"/> and its services resolved, the request pipeline, the metrics, Kestrel), instead of after.
/// </summary>
/// <remarks>
/// Measured with bench/coldstart.sh (docs/performance.md, "Where the cold start goes"): the load began only once
/// <c>WebApplicationBuilder.Build</c> had returned, about half-way through the start, and ran on the critical path to
/// the first answer. The container is the earliest point at which the settings are known with every configuration
/// source applied (the test hosts' too), so nothing is read twice. <see cref="RangeLoadingService.StartAsync"/> still
/// waits for the load before Kestrel listens.
/// </remarks>
internal sealed class RangesFirstServiceProviderFactory : IServiceProviderFactory<IServiceCollection>
{
    // The options of WebApplicationBuilder's own factory outside the Development environment (Archeio has no other).
    private readonly DefaultServiceProviderFactory _inner = new(new ServiceProviderOptions());

    public IServiceCollection CreateBuilder(IServiceCollection services) => services;

    public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
    {
        var services = _inner.CreateServiceProvider(containerBuilder);
        services.GetRequiredService<RangeLoadingService>().BeginLoading();
        return services;
    }
}
