namespace Archeio.TestBed;

/// <summary>Digests used across tests.</summary>
internal static class Digests
{
    /// <summary>The pause image layer the original's tests use.</summary>
    public const string Pause = "sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e";

    /// <summary>A valid sha256 digest that no mirror holds.</summary>
    public const string Missing = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1234567";

    public const string Sha512 = "sha512:3b0998121425143be7164ea1555efbdf5b8a02ceedaa26e01910e7d017ff78ddbba27877bd42510a06cc14ac1bc6c451128ca3f0d0afba28b695e29b2702c9c7";

    /// <summary>The original's "sha512" test case: a sha256 prefix with 128 hex digits, which the spec makes invalid.</summary>
    public const string Sha256WithSha512Length = "sha256:3b0998121425143be7164ea1555efbdf5b8a02ceedaa26e01910e7d017ff78ddbba27877bd42510a06cc14ac1bc6c451128ca3f0d0afba28b695e29b2702c9c7";

    public const string PauseHex = "da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e";
}
