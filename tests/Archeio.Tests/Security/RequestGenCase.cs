using System.Globalization;
using System.Text;

namespace Archeio.Tests.Security;

/// <summary>
/// One generated request: what a hostile client controls (method, raw target, <c>Host</c>, <c>X-Forwarded-For</c>)
/// and the TCP peer the in-process tests pretend it comes from. <see cref="ToString"/> escapes every byte a terminal
/// would hide, so that a shrunk counterexample can be pasted back into a test.
/// </summary>
/// <param name="Method">The request method, as sent.</param>
/// <param name="Target">The raw request target (origin-form, absolute-form or anything else).</param>
/// <param name="Host">The <c>Host</c> header value, or null to send none.</param>
/// <param name="ForwardedFor">The <c>X-Forwarded-For</c> header lines, in order (empty: no header).</param>
/// <param name="Peer">The TCP peer address (in-process only; over sockets the peer is always 127.0.0.1).</param>
internal sealed record RequestGenCase(string Method, string Target, string? Host, string[] ForwardedFor, string Peer)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Escape(Method)).Append(' ').Append(Escape(Target));
        text.Append(" | Host: ").Append(Host is null ? "(none)" : "\"" + Escape(Host) + "\"");
        text.Append(" | X-Forwarded-For: ").Append(ForwardedFor.Length == 0 ? "(none)" : string.Join(" + ", ForwardedFor.Select(v => "\"" + Escape(v) + "\"")));
        text.Append(" | peer ").Append(Peer);
        return text.ToString();
    }

    /// <summary>Control, non-ASCII and backslash characters as C# escapes; long runs of one character shortened.</summary>
    public static string Escape(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, 600));
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var run = 1;
            while (i + run < value.Length && value[i + run] == c)
            {
                run++;
            }

            if (run > 16)
            {
                text.Append(CultureInfo.InvariantCulture, $"{{{EscapeChar(c)}×{run}}}");
                i += run - 1;
                continue;
            }

            text.Append(EscapeChar(c));
        }

        return text.ToString();
    }

    private static string EscapeChar(char c) => c switch
    {
        '\\' => "\\\\",
        '"' => "\\\"",
        < ' ' or > '~' => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
        _ => c.ToString(),
    };
}
