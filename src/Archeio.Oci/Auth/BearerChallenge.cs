namespace Archeio.Oci.Auth;

/// <summary>
/// A parsed <c>WWW-Authenticate: Bearer realm="…",service="…",scope="…"</c> challenge.
/// See https://distribution.github.io/distribution/spec/auth/token/#how-to-authenticate.
/// </summary>
internal sealed record BearerChallenge(Uri Realm, string? Service, string? Scope)
{
    /// <summary>The parameters of an auth-param list; values may be quoted and hold commas (scope lists do).</summary>
    public static BearerChallenge? Parse(string? parameters)
    {
        if (string.IsNullOrEmpty(parameters))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameters.Length)
        {
            while (i < parameters.Length && (parameters[i] == ',' || char.IsWhiteSpace(parameters[i])))
            {
                i++;
            }

            var equals = parameters.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = parameters[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < parameters.Length && parameters[i] == '"')
            {
                var close = parameters.IndexOf('"', i + 1);
                close = close < 0 ? parameters.Length : close;
                value = parameters[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var comma = parameters.IndexOf(',', i);
                comma = comma < 0 ? parameters.Length : comma;
                value = parameters[i..comma].Trim();
                i = comma;
            }

            values[name] = value;
        }

        return values.TryGetValue("realm", out var realm) && Uri.TryCreate(realm, UriKind.Absolute, out var realmUri)
            ? new BearerChallenge(realmUri, values.GetValueOrDefault("service"), values.GetValueOrDefault("scope"))
            : null;
    }
}
