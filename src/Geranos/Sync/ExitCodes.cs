namespace Geranos.Sync;

/// <summary>Geranos's exit codes, a contract for scripts and CronJobs (docs/geranos.md).</summary>
internal static class ExitCodes
{
    /// <summary>Everything done.</summary>
    public const int Ok = 0;

    /// <summary>Something failed (a blob refused, a manifest unreadable, a bad object found by verify) or the run was interrupted; the rest was done.</summary>
    public const int PartialFailure = 1;

    /// <summary>The command line or its inputs are wrong; nothing was done.</summary>
    public const int Usage = 2;
}
