namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>One cell of the pull matrix, for the table printed at the end of the run.</summary>
internal sealed record PullMatrixRow(string Case, string Client, string Location, string Image, bool Passed, string Detail, TimeSpan Elapsed);
