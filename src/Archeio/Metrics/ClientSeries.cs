namespace Archeio.Metrics;

/// <summary>One label set of <c>archeio_client_requests_total</c>, the key of its cached tag array.</summary>
internal readonly record struct ClientSeries(string Cloud, string Region, string Continent);
