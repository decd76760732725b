using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Archeio.Hosting;
using Microsoft.Extensions.ObjectPool;

namespace Archeio.Logging;

/// <summary>One access-log entry's fields, as the access log has always had them (docs/configuration.md, "Logging").</summary>
internal readonly record struct AccessEntry(
    string Method, string Path, int Status, string ClientIp, string Cloud, string Region, string Decision, string TargetHost, double DurationMs);

/// <summary>
/// The access log (event 1, one line per request): formatted straight to UTF-8 on the request's thread into a pooled
/// buffer and handed to <see cref="LogOutput"/>, which never blocks. The line is the one the console logger's JSON
/// formatter wrote (<c>Timestamp</c>, <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, and
/// <c>State</c> with every field and <c>{OriginalFormat}</c>), or its simple formatter's single line, so that
/// collectors and dashboards see the same entries; the standard <c>Logging</c> levels still switch it off
/// (category <c>Archeio.Hosting.RegistryHandler</c>, Information). Measured against the console logger in
/// docs/performance.md ("The access log").
/// </summary>
internal sealed class AccessLog
{
    public const int EventId = 1;
    public const int DroppedEventId = 2;

    /// <summary>The category the entries have always had (the handler's logger), for filters and collectors.</summary>
    public static readonly string Category = typeof(RegistryHandler).FullName!;

    public const string OriginalFormat =
        "{Method} {Path} {Status} client={ClientIp} cloud={Cloud} region={Region} decision={Decision} target={TargetHost} {DurationMs:F3}ms";

    private const string DroppedCategory = "Archeio.Logging.LogOutput";
    private const string DroppedFormat = "{Dropped} log lines dropped since the last report: standard output did not keep up";
    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    // Log lines are read by collectors and people, never embedded in HTML: only what JSON itself requires is
    // escaped (quotes, backslashes, control characters), as fast as the writer goes.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly LogOutput _output;
    private readonly bool _json;
    private readonly bool _enabled;
    private readonly TimeProvider _time;
    private readonly ObjectPool<LineBuffer> _buffers = new DefaultObjectPoolProvider().Create(new LineBufferPolicy());

    /// <param name="output">Where the lines go.</param>
    /// <param name="json">JSON lines, else plain single lines (<see cref="ArcheioHost.FormatterFor"/> decides).</param>
    /// <param name="enabled">Whether the <c>Logging</c> levels let the category's Information entries through.</param>
    /// <param name="time">The clock of the lines' timestamps.</param>
    public AccessLog(LogOutput output, bool json, bool enabled, TimeProvider time)
    {
        _output = output;
        _json = json;
        _enabled = enabled;
        _time = time;
        output.ReportDropsAs(dropped => DroppedLine(json, time.GetUtcNow(), dropped));
    }

    public bool Enabled => _enabled;

    public void Write(in AccessEntry entry)
    {
        if (!_enabled)
        {
            return;
        }

        var line = _buffers.Get();
        try
        {
            var message = line.Message(entry);
            if (_json)
            {
                var json = line.StartJson();
                WriteHeader(json, _time.GetUtcNow(), EventId, "Information", Category, message);
                json.WriteStartObject("State");
                json.WriteString("Method", entry.Method);
                json.WriteString("Path", entry.Path);
                json.WriteNumber("Status", entry.Status);
                json.WriteString("ClientIp", entry.ClientIp);
                json.WriteString("Cloud", entry.Cloud);
                json.WriteString("Region", entry.Region);
                json.WriteString("Decision", entry.Decision);
                json.WriteString("TargetHost", entry.TargetHost);
                json.WriteNumber("DurationMs", entry.DurationMs);
                json.WriteString("{OriginalFormat}", OriginalFormat);
                json.WriteEndObject();
                json.WriteEndObject();
                line.EndJson(_output);
            }
            else
            {
                line.WritePlain(_output, _time.GetUtcNow(), "info", Category, EventId, message);
            }
        }
        finally
        {
            _buffers.Return(line);
        }
    }

    /// <summary>
    /// The line <see cref="LogOutput"/> writes after dropping <paramref name="dropped"/> lines: event 2, a warning, in
    /// the same format as the rest. Rare (at most one per <see cref="LogOutput.WarnEvery"/>): its buffer is its own.
    /// </summary>
    public static byte[] DroppedLine(bool json, DateTimeOffset now, long dropped)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"{dropped} log lines dropped since the last report: standard output did not keep up");
        using var line = new LineBuffer();
        if (!json)
        {
            return line.PlainToArray(now, "warn", DroppedCategory, DroppedEventId, message);
        }

        var writer = line.StartJson();
        WriteHeader(writer, now, DroppedEventId, "Warning", DroppedCategory, message);
        writer.WriteStartObject("State");
        writer.WriteNumber("Dropped", dropped);
        writer.WriteString("{OriginalFormat}", DroppedFormat);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return line.EndJsonToArray();
    }

    private static void WriteHeader(Utf8JsonWriter json, DateTimeOffset now, int eventId, string level, string category, ReadOnlySpan<char> message)
    {
        json.WriteStartObject();
        Span<byte> timestamp = stackalloc byte[32];
        now.UtcDateTime.TryFormat(timestamp, out var written, TimestampFormat, CultureInfo.InvariantCulture);
        json.WriteString("Timestamp"u8, timestamp[..written]);
        json.WriteNumber("EventId"u8, eventId);
        json.WriteString("LogLevel"u8, level);
        json.WriteString("Category"u8, category);
        json.WriteString("Message"u8, message);
    }

    /// <summary>The reusable buffers of one line being formatted (pooled: a request formats without allocating them).</summary>
    private sealed class LineBuffer : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _bytes = new(1024);
        private readonly Utf8JsonWriter _json;
        private char[] _chars = new char[512];

        public LineBuffer() => _json = new Utf8JsonWriter(_bytes, JsonOptions);

        public void Dispose() => _json.Dispose();

        /// <summary>The entry's message, as the console logger rendered it (<see cref="OriginalFormat"/>).</summary>
        public ReadOnlySpan<char> Message(in AccessEntry e)
        {
            while (true)
            {
                if (_chars.AsSpan().TryWrite(
                        CultureInfo.InvariantCulture,
                        $"{e.Method} {e.Path} {e.Status} client={e.ClientIp} cloud={e.Cloud} region={e.Region} decision={e.Decision} target={e.TargetHost} {e.DurationMs:F3}ms",
                        out var written))
                {
                    return _chars.AsSpan(0, written);
                }

                _chars = new char[_chars.Length * 2];
            }
        }

        public Utf8JsonWriter StartJson()
        {
            _bytes.ResetWrittenCount();
            _json.Reset(_bytes);
            return _json;
        }

        public void EndJson(LogOutput output)
        {
            _json.Flush();
            _bytes.Write("\n"u8);
            output.Write(_bytes.WrittenSpan);
        }

        public byte[] EndJsonToArray()
        {
            _json.Flush();
            _bytes.Write("\n"u8);
            return _bytes.WrittenSpan.ToArray();
        }

        public void WritePlain(LogOutput output, DateTimeOffset now, string level, string category, int eventId, ReadOnlySpan<char> message)
        {
            Plain(now, level, category, eventId, message);
            output.Write(_bytes.WrittenSpan);
        }

        public byte[] PlainToArray(DateTimeOffset now, string level, string category, int eventId, ReadOnlySpan<char> message)
        {
            Plain(now, level, category, eventId, message);
            return _bytes.WrittenSpan.ToArray();
        }

        /// <summary>The simple console formatter's single line: <c>&lt;time&gt; info: &lt;category&gt;[&lt;id&gt;] &lt;message&gt;</c>.</summary>
        private void Plain(DateTimeOffset now, string level, string category, int eventId, ReadOnlySpan<char> message)
        {
            _bytes.ResetWrittenCount();
            var head = _bytes.GetSpan(32 + category.Length * 3 + 16);
            now.UtcDateTime.TryFormat(head, out var written, TimestampFormat, CultureInfo.InvariantCulture);
            _bytes.Advance(written);
            _bytes.Write(" "u8);
            Append(level);
            _bytes.Write(": "u8);
            Append(category);
            _bytes.Write("["u8);
            var id = _bytes.GetSpan(11);
            eventId.TryFormat(id, out written, default, CultureInfo.InvariantCulture);
            _bytes.Advance(written);
            _bytes.Write("] "u8);
            Append(message);
            _bytes.Write("\n"u8);
        }

        private void Append(ReadOnlySpan<char> text)
        {
            var span = _bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            _bytes.Advance(Encoding.UTF8.GetBytes(text, span));
        }
    }

    private sealed class LineBufferPolicy : PooledObjectPolicy<LineBuffer>
    {
        public override LineBuffer Create() => new();

        public override bool Return(LineBuffer obj) => true;
    }
}
