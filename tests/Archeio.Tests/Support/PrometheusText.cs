using System.Globalization;
using System.Text;

namespace Archeio.Tests.Support;

/// <summary>
/// The samples of a Prometheus text exposition (format 0.0.4), parsed strictly enough for tests: every sample line
/// is <c>name{label="value",...} number</c>, label values unescaped; comments are kept apart.
/// </summary>
internal sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<PrometheusSample> samples, IReadOnlyList<string> comments)
    {
        Samples = samples;
        Comments = comments;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public IReadOnlyList<string> Comments { get; }

    public static async Task<PrometheusText> ScrapeAsync(HttpClient http, Uri metricsAddress)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(new Uri(metricsAddress, "/metrics"));
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var comments = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                comments.Add(line);
                continue;
            }

            samples.Add(ParseSample(line));
        }

        return new PrometheusText(samples, comments);
    }

    /// <summary>The series of <paramref name="name"/>, whatever their labels.</summary>
    public IEnumerable<PrometheusSample> Series(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The value of the one series with exactly these labels; null when there is none.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels)
    {
        var matches = Series(name).Where(s => s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).ToList();
        Assert.True(matches.Count <= 1, $"{name} has {matches.Count} series with the same labels");
        return matches.Count == 0 ? null : matches[0].Value;
    }

    /// <summary>The sum over the series of <paramref name="name"/> (0 when there is none).</summary>
    public double Sum(string name) => Series(name).Sum(s => s.Value);

    private static PrometheusSample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < line.Length && line[i] is not '{' and not ' ')
        {
            i++;
        }

        var name = line[..i];
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var labelName = line[i..eq];
                Assert.Equal('"', line[eq + 1]);
                var value = new StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                labels.Add(labelName, value.ToString());
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        var rest = line[i..].Trim().Split(' ');
        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var n => double.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}
