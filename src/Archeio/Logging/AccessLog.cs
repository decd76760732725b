using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
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
            var now = _time.GetUtcNow();
            var message = line.Message(entry);
            if (_json)
            {
                var json = line.StartJson();
                WriteHeader(json, line.Timestamp(now), EventId, Names.Information, Names.Category, message);
                json.WriteStartObject(Names.State);
                json.WriteString(Names.Method, entry.Method);
                json.WriteString(Names.Path, entry.Path);
                json.WriteNumber(Names.Status, entry.Status);
                json.WriteString(Names.ClientIp, entry.ClientIp);
                json.WriteString(Names.Cloud, entry.Cloud);
                json.WriteString(Names.Region, entry.Region);
                json.WriteString(Names.Decision, entry.Decision);
                json.WriteString(Names.TargetHost, entry.TargetHost);
                json.WriteNumber(Names.DurationMs, entry.DurationMs);
                json.WriteString(Names.OriginalFormatName, Names.OriginalFormat);
                json.WriteEndObject();
                json.WriteEndObject();
                line.EndJson(_output);
            }
            else
            {
                line.WritePlain(_output, line.Timestamp(now), "info"u8, Category, EventId, message);
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
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{dropped} log lines dropped since the last report: standard output did not keep up"));
        using var line = new LineBuffer();
        var timestamp = line.Timestamp(now);
        if (!json)
        {
            return line.PlainToArray(timestamp, "warn"u8, DroppedCategory, DroppedEventId, message);
        }

        var writer = line.StartJson();
        WriteHeader(writer, timestamp, DroppedEventId, JsonEncodedText.Encode("Warning"), JsonEncodedText.Encode(DroppedCategory), message);
        writer.WriteStartObject(Names.State);
        writer.WriteNumber("Dropped"u8, dropped);
        writer.WriteString(Names.OriginalFormatName, DroppedFormat);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return line.EndJsonToArray();
    }

    private static void WriteHeader(
        Utf8JsonWriter json, ReadOnlySpan<byte> timestamp, int eventId, JsonEncodedText level, JsonEncodedText category, ReadOnlySpan<byte> message)
    {
        json.WriteStartObject();
        json.WriteString(Names.Timestamp, timestamp);
        json.WriteNumber(Names.EventId, eventId);
        json.WriteString(Names.LogLevel, level);
        json.WriteString(Names.CategoryName, category);
        json.WriteString(Names.Message, message);
    }

    /// <summary>
    /// The property names and the constant values, escaped once: a <see cref="JsonEncodedText"/> is written as it is,
    /// where a string is scanned for characters to escape on every line (measured in docs/performance.md, "The access
    /// log": the scans and the UTF-16 to UTF-8 transcoding were a third of a line's cost).
    /// </summary>
    private static class Names
    {
        public static readonly JsonEncodedText Timestamp = Encode("Timestamp");
        public static readonly JsonEncodedText EventId = Encode("EventId");
        public static readonly JsonEncodedText LogLevel = Encode("LogLevel");
        public static readonly JsonEncodedText CategoryName = Encode("Category");
        public static readonly JsonEncodedText Message = Encode("Message");
        public static readonly JsonEncodedText State = Encode("State");
        public static readonly JsonEncodedText Method = Encode(nameof(AccessEntry.Method));
        public static readonly JsonEncodedText Path = Encode(nameof(AccessEntry.Path));
        public static readonly JsonEncodedText Status = Encode(nameof(AccessEntry.Status));
        public static readonly JsonEncodedText ClientIp = Encode(nameof(AccessEntry.ClientIp));
        public static readonly JsonEncodedText Cloud = Encode(nameof(AccessEntry.Cloud));
        public static readonly JsonEncodedText Region = Encode(nameof(AccessEntry.Region));
        public static readonly JsonEncodedText Decision = Encode(nameof(AccessEntry.Decision));
        public static readonly JsonEncodedText TargetHost = Encode(nameof(AccessEntry.TargetHost));
        public static readonly JsonEncodedText DurationMs = Encode(nameof(AccessEntry.DurationMs));
        public static readonly JsonEncodedText OriginalFormatName = Encode("{OriginalFormat}");
        public static readonly JsonEncodedText OriginalFormat = Encode(AccessLog.OriginalFormat);
        public static readonly JsonEncodedText Information = Encode("Information");
        public static readonly JsonEncodedText Category = Encode(AccessLog.Category);

        private static JsonEncodedText Encode(string text) => JsonEncodedText.Encode(text, JsonOptions.Encoder);
    }

    /// <summary>The reusable buffers of one line being formatted (pooled: a request formats without allocating them).</summary>
    private sealed class LineBuffer : IDisposable
    {
        // "yyyy-MM-ddTHH:mm:ss." is the same for every line of one second: formatted once a second (per buffer), then
        // only the milliseconds and the Z are written.
        private const int SecondLength = 20;
        private readonly byte[] _timestamp = new byte[SecondLength + 4];
        private long _second = -1;

        private readonly ArrayBufferWriter<byte> _bytes = new(1024);
        private readonly Utf8JsonWriter _json;
        private byte[] _message = new byte[512];

        public LineBuffer() => _json = new Utf8JsonWriter(_bytes, JsonOptions);

        public void Dispose() => _json.Dispose();

        /// <summary><paramref name="now"/> as <see cref="TimestampFormat"/> writes it (UTC, milliseconds truncated).</summary>
        public ReadOnlySpan<byte> Timestamp(DateTimeOffset now)
        {
            var utc = now.UtcDateTime;
            var second = utc.Ticks / TimeSpan.TicksPerSecond;
            if (second != _second)
            {
                utc.TryFormat(_timestamp, out _, TimestampFormat, CultureInfo.InvariantCulture);
                _second = second;
            }

            var milliseconds = (int)(utc.Ticks / TimeSpan.TicksPerMillisecond % 1000);
            _timestamp[SecondLength] = (byte)('0' + milliseconds / 100);
            _timestamp[SecondLength + 1] = (byte)('0' + milliseconds / 10 % 10);
            _timestamp[SecondLength + 2] = (byte)('0' + milliseconds % 10);
            _timestamp[SecondLength + 3] = (byte)'Z';
            return _timestamp;
        }

        /// <summary>The entry's message in UTF-8, as the console logger rendered it (<see cref="OriginalFormat"/>).</summary>
        public ReadOnlySpan<byte> Message(in AccessEntry e)
        {
            while (true)
            {
                if (Utf8.TryWrite(
                        _message,
                        CultureInfo.InvariantCulture,
                        $"{e.Method} {e.Path} {e.Status} client={e.ClientIp} cloud={e.Cloud} region={e.Region} decision={e.Decision} target={e.TargetHost} {e.DurationMs:F3}ms",
                        out var written))
                {
                    return _message.AsSpan(0, written);
                }

                _message = new byte[_message.Length * 2];
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

        public void WritePlain(LogOutput output, ReadOnlySpan<byte> timestamp, ReadOnlySpan<byte> level, string category, int eventId, ReadOnlySpan<byte> message)
        {
            Plain(timestamp, level, category, eventId, message);
            output.Write(_bytes.WrittenSpan);
        }

        public byte[] PlainToArray(ReadOnlySpan<byte> timestamp, ReadOnlySpan<byte> level, string category, int eventId, ReadOnlySpan<byte> message)
        {
            Plain(timestamp, level, category, eventId, message);
            return _bytes.WrittenSpan.ToArray();
        }

        /// <summary>The simple console formatter's single line: <c>&lt;time&gt; info: &lt;category&gt;[&lt;id&gt;] &lt;message&gt;</c>.</summary>
        private void Plain(ReadOnlySpan<byte> timestamp, ReadOnlySpan<byte> level, string category, int eventId, ReadOnlySpan<byte> message)
        {
            _bytes.ResetWrittenCount();
            _bytes.Write(timestamp);
            _bytes.Write(" "u8);
            _bytes.Write(level);
            _bytes.Write(": "u8);
            var span = _bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(category.Length));
            _bytes.Advance(Encoding.UTF8.GetBytes(category, span));
            _bytes.Write("["u8);
            var id = _bytes.GetSpan(11);
            eventId.TryFormat(id, out var written, default, CultureInfo.InvariantCulture);
            _bytes.Advance(written);
            _bytes.Write("] "u8);
            _bytes.Write(message);
            _bytes.Write("\n"u8);
        }
    }

    private sealed class LineBufferPolicy : PooledObjectPolicy<LineBuffer>
    {
        public override LineBuffer Create() => new();

        public override bool Return(LineBuffer obj) => true;
    }
}
