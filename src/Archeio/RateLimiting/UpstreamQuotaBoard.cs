using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.RateLimiting;

/// <summary>
/// The requests this replica sent to each upstream with a <c>MaxRequestsPerMinute</c> (its redirects to it and its
/// proxied requests from it) over a sliding minute, and the view the router reads (<see cref="Current"/>): which are at
/// their quota. A request reads the view before it is decided and is counted after, so concurrent requests may go past
/// a quota by as many as are in flight at once; the quota is a guard against floods, not an exact meter.
/// </summary>
internal sealed class UpstreamQuotaBoard
{
    private readonly MinuteCounter?[] _counters;
    private readonly Dictionary<string, MinuteCounter> _byLabel;
    private readonly TimeProvider _time;
    private UpstreamQuotaView _view = UpstreamQuotaView.None;

    public UpstreamQuotaBoard(ArcheioSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _time = time;
        var all = settings.AllUpstreams;
        _counters = [.. all.Select(u => u.MaxRequestsPerMinute > 0 ? new MinuteCounter(u.MaxRequestsPerMinute) : null)];
        _byLabel = all.Where(u => u.MaxRequestsPerMinute > 0).ToDictionary(u => "upstream:" + u.Name, u => _counters[u.Index]!, StringComparer.Ordinal);
    }

    /// <summary>Some upstream has a quota.</summary>
    public bool Enabled => _byLabel.Count > 0;

    /// <summary>The view for a request now: null when no upstream has a quota (nothing to read).</summary>
    public UpstreamQuotaView? Current
    {
        get
        {
            if (!Enabled)
            {
                return null;
            }

            var second = Second();
            Span<bool> flags = stackalloc bool[_counters.Length];
            var any = false;
            var retryAfter = TimeSpan.MaxValue;
            for (var i = 0; i < _counters.Length; i++)
            {
                if (_counters[i] is { } counter && counter.IsFull(second, out var free))
                {
                    flags[i] = any = true;
                    retryAfter = TimeSpan.FromSeconds(Math.Min(retryAfter.TotalSeconds, free));
                }
            }

            if (!any)
            {
                return UpstreamQuotaView.None;
            }

            var view = Volatile.Read(ref _view);
            if (!view.Holds(flags) || view.RetryAfter != retryAfter)
            {
                view = new UpstreamQuotaView([.. flags], retryAfter);
                Volatile.Write(ref _view, view);
            }

            return view;
        }
    }

    /// <summary>Counts a request sent to <paramref name="upstream"/> (a redirect to it).</summary>
    public void Record(UpstreamSettings upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if ((uint)upstream.Index < (uint)_counters.Length && _counters[upstream.Index] is { } counter)
        {
            counter.Add(Second());
        }
    }

    /// <summary>Counts a proxied request by its source's label (<c>upstream:&lt;name&gt;</c>); other sources are not upstreams.</summary>
    public void Record(string sourceLabel)
    {
        if (_byLabel.TryGetValue(sourceLabel, out var counter))
        {
            counter.Add(Second());
        }
    }

    private long Second() => (long)(_time.GetTimestamp() / (double)_time.TimestampFrequency);

    /// <summary>Requests in the last 60 one-second slots (the one now included): a sliding minute to a second.</summary>
    private sealed class MinuteCounter(int max)
    {
        private const int Slots = 60;
        private readonly int[] _counts = new int[Slots];
        private readonly Lock _lock = new();
        private int _total;
        private long _latest = long.MinValue;

        public void Add(long second)
        {
            lock (_lock)
            {
                Advance(second);
                _counts[Slot(second)]++;
                _total++;
            }
        }

        /// <summary>True at the quota; <paramref name="free"/>: seconds until the oldest slots leave the minute and there is room.</summary>
        public bool IsFull(long second, out double free)
        {
            lock (_lock)
            {
                Advance(second);
                free = 0;
                if (_total < max)
                {
                    return false;
                }

                var left = _total;
                for (var age = Slots - 1; age >= 0; age--)
                {
                    left -= _counts[Slot(second - age)];
                    if (left < max)
                    {
                        free = Slots - age;
                        break;
                    }
                }

                return true;
            }
        }

        /// <summary>Empties the slots that left the minute since <see cref="_latest"/>.</summary>
        private void Advance(long second)
        {
            if (second <= _latest)
            {
                return;
            }

            var from = _latest == long.MinValue ? second - Slots + 1 : Math.Max(_latest + 1, second - Slots + 1);
            for (var s = from; s <= second; s++)
            {
                var slot = Slot(s);
                _total -= _counts[slot];
                _counts[slot] = 0;
            }

            _latest = second;
        }

        private static int Slot(long second) => (int)(((second % Slots) + Slots) % Slots);
    }
}
