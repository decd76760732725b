namespace Archeio.Oci.Json;

/// <summary>One entry of an <see cref="ErrorsDocument"/>; <c>detail</c> is free-form and not read.</summary>
internal sealed class ErrorDocument
{
    public string? Code { get; init; }

    public string? Message { get; init; }
}
