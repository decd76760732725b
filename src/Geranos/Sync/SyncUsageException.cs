namespace Geranos.Sync;

/// <summary>The run cannot start with what it was given (exit code 2), e.g. no repositories and no catalog.</summary>
internal sealed class SyncUsageException : Exception
{
    public SyncUsageException()
    {
    }

    public SyncUsageException(string message)
        : base(message)
    {
    }

    public SyncUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
