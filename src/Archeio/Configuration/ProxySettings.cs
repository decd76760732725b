namespace Archeio.Configuration;

/// <summary>How rules with <c>Action: Proxy</c> stream content (<c>Archeio:Proxy</c>; Proxying/ProxyForwarder.cs).</summary>
/// <param name="FirstByteTimeout">The longest wait for a source's response headers; past it the next source is tried, and after the last a 504.</param>
/// <param name="IdleTimeout">The longest a stream may go without a byte from the source (or to the client); past it the stream is cut.</param>
/// <param name="MaxConcurrent">Proxied requests in flight at once; beyond it a 503 with <c>Retry-After</c>.</param>
internal sealed record ProxySettings(TimeSpan FirstByteTimeout, TimeSpan IdleTimeout, int MaxConcurrent)
{
    public static readonly TimeSpan DefaultFirstByteTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Each stream holds one 64 KiB copy buffer (YARP's) and Kestrel's response buffer (64 KiB by default) at most, so
    /// 128 streams bound the proxy's memory near 16 MiB, whatever the blobs' sizes.
    /// </summary>
    public const int DefaultMaxConcurrent = 128;

    public static ProxySettings Default { get; } = new(DefaultFirstByteTimeout, DefaultIdleTimeout, DefaultMaxConcurrent);

    /// <summary>Reads <c>Archeio:Proxy</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static ProxySettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(FirstByteTimeout), nameof(IdleTimeout), nameof(MaxConcurrent));
        return new ProxySettings(
            section.TimeSpan(nameof(FirstByteTimeout), DefaultFirstByteTimeout, TimeSpan.FromMinutes(5)),
            section.TimeSpan(nameof(IdleTimeout), DefaultIdleTimeout, TimeSpan.FromMinutes(10)),
            section.Int(nameof(MaxConcurrent), DefaultMaxConcurrent, 0, 100_000));
    }
}
