namespace Archeio.Metrics;

/// <summary>One label set of <c>archeio_requests_total</c>, the key of its cached tag array.</summary>
internal readonly record struct RequestSeries(int Kind, int Method, int Status, string Decision);
