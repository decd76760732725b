using System.Collections.Immutable;
using System.Globalization;
using Archeio.Ranges.Parsing;
using Archeio.Sources;

namespace Archeio.Configuration;

/// <summary>One published cloud IP range list.</summary>
/// <param name="Cloud">Cloud name that rules match on (e.g. <c>AWS</c>).</param>
/// <param name="Format">Which provider's file format the source is in.</param>
/// <param name="Source">A file path or an http(s) URL.</param>
internal sealed record RangeSourceSettings(string Cloud, RangeFormat Format, string Source)
{
    public bool IsUrl => SourceLocation.IsUrl(Source);

    /// <summary>
    /// Reads <c>Archeio:Ranges</c>, or, when <c>Archeio:RangesDirectory</c> (<c>ARCHEIO_RANGES_DIR</c>) is set, the
    /// <see cref="ArcheioSettingsReader.RangesDirectoryFiles"/> in it instead: the directory replaces the list whole.
    /// </summary>
    public static ImmutableArray<RangeSourceSettings> ReadAll(SettingsSection root)
    {
        if (root.Text(ArcheioSettingsReader.RangesDirectoryKey) is { } directory)
        {
            if (!Directory.Exists(directory))
            {
                root.Error(ArcheioSettingsReader.RangesDirectoryKey, $"directory '{directory}' does not exist");
                return [];
            }

            return [.. ArcheioSettingsReader.RangesDirectoryFiles.Select(f => new RangeSourceSettings(f.Cloud, f.Format, Path.Combine(directory, f.FileName)))];
        }

        var result = ImmutableArray.CreateBuilder<RangeSourceSettings>();
        foreach (var item in root.Section(nameof(ArcheioSettings.Ranges)).Children())
        {
            if (Read(item) is { } range)
            {
                result.Add(range);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Reads one <c>Archeio:Ranges:N</c>; null when invalid. A file source must exist when read.</summary>
    public static RangeSourceSettings? Read(SettingsSection item)
    {
        item.CheckKnownKeys(nameof(Cloud), nameof(Format), nameof(Source));
        var cloud = item[nameof(Cloud)];
        var formatText = item[nameof(Format)];
        var source = item[nameof(Source)];
        var ok = true;
        if (string.IsNullOrWhiteSpace(cloud))
        {
            item.Error(nameof(Cloud), "is required");
            ok = false;
        }

        // Enum.TryParse also takes numbers, which no provider format is.
        if (!Enum.TryParse<RangeFormat>(formatText, ignoreCase: true, out var format) || !Enum.IsDefined(format)
            || int.TryParse(formatText, CultureInfo.InvariantCulture, out _))
        {
            item.Error(nameof(Format), $"'{formatText}' is not one of aws, gcp, azure");
            ok = false;
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            item.Error(nameof(Source), "is required (a file path or an http(s) URL)");
            return null;
        }

        if (!ok)
        {
            return null;
        }

        if (SourceLocation.IsUrl(source))
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out _))
            {
                item.Error(nameof(Source), $"'{source}' is not a valid URL");
                return null;
            }
        }
        else if (!File.Exists(source))
        {
            item.Error(nameof(Source), $"file '{source}' does not exist");
            return null;
        }

        return new RangeSourceSettings(cloud!, format, source);
    }
}
