namespace Archeio.Tests.Security;

/// <summary>One blob request's answer: its Location, and the server's decision and duration from its access log.</summary>
internal sealed record FaultBlobAnswer(string Location, string Decision, double DurationMs);
