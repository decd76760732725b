using Archeio.Configuration;

namespace Archeio.Hosting;

/// <summary>
/// The drain after SIGTERM (<c>Shutdown:Drain</c>). The signal stops the application, which fails <c>/readyz</c> at
/// once (<see cref="Readiness"/>); the host then calls <see cref="StoppingAsync"/> before it stops any hosted service,
/// so Kestrel keeps serving normally while this waits, and a load balancer has time to notice and stop sending.
/// Then the host stops Kestrel: no new connections, in-flight requests finish within what remains of
/// <see cref="HostOptions.ShutdownTimeout"/> (the drain plus <see cref="ArcheioHost.ShutdownTimeout"/>).
/// </summary>
internal sealed partial class DrainService(ArcheioSettings settings, Readiness readiness, TimeProvider time, ILogger<DrainService> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.BeginDrain();
        var drain = settings.Shutdown.Drain;
        if (drain <= TimeSpan.Zero)
        {
            return;
        }

        LogDraining(logger, drain);
        try
        {
            await Task.Delay(drain, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out first: stop now.
        }

        LogDrained(logger);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "Stopping: not ready; serving for {Drain} more before closing the listeners")]
    private static partial void LogDraining(ILogger logger, TimeSpan drain);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Drain over: closing the listeners; in-flight requests may finish")]
    private static partial void LogDrained(ILogger logger);
}
