using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Archeio.Requests;

namespace Archeio.Configuration;

/// <summary>
/// One configuration section being read, and the errors of the whole read. Every typed read returns its fallback when
/// the key is unset or invalid, and records an invalid value under its full key, so that a read never stops early and
/// the report names every mistake.
/// </summary>
internal sealed class SettingsSection
{
    private readonly IConfigurationSection _section;
    private readonly ConfigurationErrors _errors;

    public SettingsSection(IConfigurationSection section, ConfigurationErrors errors)
    {
        _section = section;
        _errors = errors;
    }

    /// <summary>Full key of the section, e.g. <c>Archeio:Rules:0</c>.</summary>
    public string Path => _section.Path;

    public string? Value => _section.Value;

    /// <summary>Errors found so far in the whole read.</summary>
    public int ErrorCount => _errors.Count;

    public string? this[string key] => _section[key];

    public SettingsSection Section(string key) => new(_section.GetSection(key), _errors);

    public IEnumerable<SettingsSection> Children() => _section.GetChildren().Select(c => new SettingsSection(c, _errors));

    /// <summary>Full key of <paramref name="key"/> below this section.</summary>
    public string KeyOf(string key) => _section.GetSection(key).Path;

    /// <summary>An error about this section itself.</summary>
    public void Error(string message) => _errors.Add(new(Path, message));

    public void Error(string key, string message) => _errors.Add(new(KeyOf(key), message));

    /// <summary>A place for errors about this section that linking finds, reported after those found so far.</summary>
    public ErrorSlot Later() => _errors.Later(Path);

    /// <summary>Reports every child whose key is not one of <paramref name="known"/> (a typo such as <c>Uptream</c>).</summary>
    public void CheckKnownKeys(params string[] known)
    {
        foreach (var child in _section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                _errors.Add(new(child.Path, $"unknown setting (known here: {string.Join(", ", known)})"));
            }
        }
    }

    /// <summary>The value, or null when it is unset or blank.</summary>
    public string? Text(string key) => _section[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>
    /// One of <typeparamref name="T"/>'s names, case-insensitively (numbers are not names); the error lists them.
    /// </summary>
    public T Choice<T>(string key, T fallback)
        where T : struct, Enum
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        var names = Enum.GetNames<T>();
        if (names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) is not { } name)
        {
            Error(key, $"'{value}' is not one of {string.Join(", ", names)}");
            return fallback;
        }

        return Enum.Parse<T>(name);
    }

    public bool Bool(string key, bool fallback)
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!bool.TryParse(value, out var result))
        {
            Error(key, $"'{value}' is not true or false");
            return fallback;
        }

        return result;
    }

    public int Int(string key, int fallback, int min, int max)
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) || result < min || result > max)
        {
            Error(key, $"'{value}' is not an integer from {min} to {max}");
            return fallback;
        }

        return result;
    }

    /// <summary>
    /// <c>PricePerGiB</c> of a mirror or an upstream: a number at least 0 (a currency-free price of one GiB of its egress),
    /// or null when unset. Infinite and not-a-number values are refused, as is anything that is not a plain number.
    /// </summary>
    public double? Price(string key)
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) || !double.IsFinite(result) || result < 0)
        {
            Error(key, $"'{value}' is not a number at least 0 (a price per GiB, without a currency)");
            return null;
        }

        return result;
    }

    /// <summary>A duration in <c>hh:mm:ss</c>, above zero (or zero too, with <paramref name="allowZero"/>) and at most <paramref name="max"/>.</summary>
    public TimeSpan TimeSpan(string key, TimeSpan fallback, TimeSpan max, bool allowZero = false)
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!System.TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result)
            || result < System.TimeSpan.Zero || (result == System.TimeSpan.Zero && !allowZero) || result > max)
        {
            Error(key, $"'{value}' is not a duration (hh:mm:ss) {(allowZero ? "from zero" : "above zero")} and at most {max:c}");
            return fallback;
        }

        return result;
    }

    /// <summary>An absolute http(s) URL (<see cref="CheckHttpUrl"/>); without a query it loses its trailing slashes.</summary>
    public string? Url(string key, bool required, bool allowQuery)
    {
        var value = _section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Error(key, "is required");
            }

            return null;
        }

        if (CheckHttpUrl(value, allowQuery) is { } why)
        {
            Error(key, why);
            return null;
        }

        return allowQuery ? value : value.TrimEnd('/');
    }

    /// <summary>A repository path of the OCI name grammar, without slashes around it; null when unset.</summary>
    public string? RepositoryPath(string key)
    {
        var value = _section[key];
        if (value is null)
        {
            return null;
        }

        value = value.Trim('/');
        if (value.Length > 0 && !OciGrammar.IsName(value))
        {
            Error(key, $"'{value}' is not a repository path of the OCI name grammar");
        }

        return value;
    }

    /// <summary>The path of a file that must exist; null when unset.</summary>
    public string? ExistingFile(string key)
    {
        var path = Text(key);
        if (path is not null && !File.Exists(path))
        {
            Error(key, $"file '{path}' does not exist");
        }

        return path;
    }

    /// <summary>A list of non-blank strings, trimmed.</summary>
    public ImmutableArray<string> Strings(string key)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var item in _section.GetSection(key).GetChildren())
        {
            if (string.IsNullOrWhiteSpace(item.Value))
            {
                _errors.Add(new(item.Path, "is empty"));
            }
            else
            {
                result.Add(item.Value.Trim());
            }
        }

        return result.ToImmutable();
    }

    /// <summary>A list of codes, trimmed and upper-cased, each <paramref name="valid"/>; <paramref name="what"/> names a valid one in errors.</summary>
    public ImmutableArray<string> Codes(string key, Func<string, bool> valid, string what)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var item in _section.GetSection(key).GetChildren())
        {
            var code = item.Value?.Trim().ToUpperInvariant() ?? string.Empty;
            if (valid(code))
            {
                result.Add(code);
            }
            else
            {
                _errors.Add(new(item.Path, $"'{item.Value}' is not {what}"));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>A list of ASNs, as numbers or in the <c>AS64496</c> form; 32-bit (RFC 6793), never 0.</summary>
    public ImmutableArray<uint> Asns(string key)
    {
        var result = ImmutableArray.CreateBuilder<uint>();
        foreach (var item in _section.GetSection(key).GetChildren())
        {
            var text = item.Value?.Trim() ?? string.Empty;
            if (text.StartsWith("AS", StringComparison.OrdinalIgnoreCase))
            {
                text = text[2..];
            }

            if (text.Length > 0 && text.All(char.IsAsciiDigit) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var asn) && asn > 0)
            {
                result.Add(asn);
            }
            else
            {
                _errors.Add(new(item.Path, $"'{item.Value}' is not an AS number (e.g. 3333 or AS3333)"));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>A list of strict CIDR networks (<see cref="ArcheioSettingsReader.TryParseCidr"/>).</summary>
    public ImmutableArray<IPNetwork> Cidrs(string key)
    {
        var result = ImmutableArray.CreateBuilder<IPNetwork>();
        foreach (var item in _section.GetSection(key).GetChildren())
        {
            if (ArcheioSettingsReader.TryParseCidr(item.Value, out var network, out var why))
            {
                result.Add(network);
            }
            else
            {
                _errors.Add(new(item.Path, why));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>
    /// A list of <c>host</c> or <c>host:port</c> (a DNS name, an IPv4 address or a bracketed IPv6 one; no scheme, path
    /// or user), each as lower-case <c>host:port</c>, <paramref name="defaultPort"/> where none is given.
    /// </summary>
    public ImmutableArray<string> HostPorts(string key, int defaultPort)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        var list = _section.GetSection(key);
        if (list.Value is { Length: > 0 })
        {
            Error(key, "is a list of hosts (e.g. [\"storage.example.com\"]), not one value");
        }

        foreach (var item in list.GetChildren())
        {
            var value = item.Value ?? "";
            if (value.Length == 0 || value.AsSpan().ContainsAny("/?#@ ") || !Uri.TryCreate("https://" + value, UriKind.Absolute, out var uri)
                || uri.HostNameType == UriHostNameType.Unknown)
            {
                _errors.Add(new(item.Path, $"'{value}' is not a host or host:port (e.g. storage.example.com or storage.example.com:443)"));
                continue;
            }

            var port = uri.IsDefaultPort && !value.EndsWith(":443", StringComparison.Ordinal) ? defaultPort : uri.Port;
            result.Add(string.Create(CultureInfo.InvariantCulture, $"{uri.Host.ToLowerInvariant()}:{port}"));
        }

        return result.ToImmutable();
    }

    /// <summary>Why <paramref name="value"/> is not an absolute http(s) URL without user information or fragment (nor query, unless allowed); null when it is.</summary>
    public static string? CheckHttpUrl(string value, bool allowQuery)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{value}' is not an absolute http(s) URL";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"'{value}' may not contain user information";
        }

        if (uri.Fragment.Length > 0 || (!allowQuery && uri.Query.Length > 0))
        {
            return $"'{value}' may not contain a {(uri.Fragment.Length > 0 ? "fragment" : "query")}";
        }

        return null;
    }
}
