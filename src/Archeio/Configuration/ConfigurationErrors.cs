namespace Archeio.Configuration;

/// <summary>
/// The errors of one read of the configuration, in the order they are reported. Reading finds most of them; the
/// linker (<see cref="SettingsLinker"/>) finds the rest later, but each of its errors belongs beside the key it
/// concerns, so reading leaves an <see cref="ErrorSlot"/> there: the report is read errors and link errors in one
/// order, the order of the keys as they are read, whichever step found them.
/// </summary>
internal sealed class ConfigurationErrors
{
    /// <summary>Never empty: errors are added to the last slot, and <see cref="Later"/> opens a new one after its own.</summary>
    private readonly List<ErrorSlot> _slots = [new(string.Empty)];

    public int Count => _slots.Sum(s => s.Count);

    public void Add(ConfigurationError error) => _slots[^1].Add(error);

    /// <summary>A place, after the errors found so far, for errors that a later step finds about <paramref name="path"/>.</summary>
    public ErrorSlot Later(string path)
    {
        var slot = new ErrorSlot(path);
        _slots.Add(slot);
        _slots.Add(new(string.Empty));
        return slot;
    }

    public IReadOnlyList<ConfigurationError> ToList() => [.. _slots.SelectMany(s => s.Errors)];
}

/// <summary>Errors about the section at <see cref="Path"/>, reported where the slot was taken (<see cref="ConfigurationErrors.Later"/>).</summary>
internal sealed class ErrorSlot(string path)
{
    private readonly List<ConfigurationError> _errors = [];

    /// <summary>Full key of the section the slot was taken for.</summary>
    public string Path { get; } = path;

    public int Count => _errors.Count;

    public IEnumerable<ConfigurationError> Errors => _errors;

    public void Add(ConfigurationError error) => _errors.Add(error);

    /// <summary>An error about <paramref name="key"/> below <see cref="Path"/>.</summary>
    public void Add(string key, string message) => _errors.Add(new(Path + ConfigurationPath.KeyDelimiter + key, message));
}
