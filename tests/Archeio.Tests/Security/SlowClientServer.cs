using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>The real Archeio process (one catch-all rule, one loopback mirror) shared by a class of slow-client tests.</summary>
public sealed class SlowClientServer : IAsyncLifetime
{
    private OneMirrorServer _bed = null!;

    internal ServerProcess Server => _bed.Server;

    public async Task InitializeAsync() => _bed = await OneMirrorServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}
