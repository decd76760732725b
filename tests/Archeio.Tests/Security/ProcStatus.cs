using System.Globalization;

namespace Archeio.Tests.Security;

/// <summary>What Linux's <c>/proc</c> says about a process: resident memory, open descriptors, descriptor limit.</summary>
internal static class ProcStatus
{
    /// <summary><c>VmRSS</c> of <c>/proc/&lt;pid&gt;/status</c>, in KiB.</summary>
    public static long RssKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>How many file descriptors the process has open (its sockets included).</summary>
    public static int OpenFiles(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>The soft "Max open files" limit of <c>/proc/&lt;pid&gt;/limits</c> (<c>self</c> for this process).</summary>
    public static long MaxOpenFiles(string pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
    }
}
