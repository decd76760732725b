using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Archeio.Configuration;

namespace Archeio.Egress;

/// <summary>
/// The list as a plain page for a person: the visitor's own address, rule and allow list first, then every rule and
/// every host. Server-rendered with no script and no external asset (the page is often read from the very network
/// whose firewall blocks things, and must work in a text browser); every value is HTML-encoded, since host names,
/// mirror names and the Host header are configuration or client text.
/// </summary>
internal static class EgressPage
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;line-height:1.45;color:#1d1d1f}"
        + "code,.host{font-family:ui-monospace,Menlo,monospace}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
        + "th,td{border:1px solid #c9ccd1;padding:.35em .6em;text-align:left;vertical-align:top}th{background:#eef0f3}#rules td:first-child{white-space:nowrap}"
        + ".you{background:#f4f8ff;border:1px solid #bcd0f0;border-radius:6px;padding:.2em 1.2em 1em}"
        + "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em}dt{font-weight:600}dd{margin:0}"
        + "ul{margin:.1em 0;padding-left:1.2em}.note{color:#555}";

    public static byte[] Render(EgressList list, string? archeio, EgressVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(visitor);
        var page = new Page();
        var reached = archeio ?? "this Archeio";
        page.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Hosts a pull reaches: ");
        page.Text(reached).Raw("</title><style>").Raw(Style).Raw("</style></head><body>\n");
        page.Raw("<h1>Hosts a pull through <code>").Text(reached).Raw("</code> reaches</h1>\n");
        page.Raw("<p>Archeio answers container image pulls. It sends each client on to mirrors and registries chosen by rules; ")
            .Raw("these are all the hosts it can send one to, straight from its configuration. ")
            .Raw("A firewall that blocks one of them breaks some pulls.</p>\n");

        WriteVisitor(page, archeio, visitor);
        WriteRules(page, list);

        page.Raw("<h2>Every host</h2>\n<p class=\"note\">Archeio itself, then every host any rule reaches.</p>\n<ul id=\"hosts\">");
        foreach (var host in EgressJson.AllowList(archeio, list.Hosts))
        {
            page.Raw("<li class=\"host\">").Text(host).Raw("</li>");
        }

        page.Raw("</ul>\n<p class=\"note\">The same as JSON, for scripts: request this address with <code>Accept: application/json</code> ")
            .Raw("(the default for clients that do not ask for HTML); add <code>?client=&lt;address&gt;</code> for the hosts of one client's rule.</p>\n");
        page.Raw("</body></html>\n");
        return page.ToBytes();
    }

    private static void WriteVisitor(Page page, string? archeio, EgressVisitor visitor)
    {
        var entry = visitor.Entry;
        page.Raw("<section class=\"you\" id=\"you\"><h2>").Raw(visitor.Asked ? "The client asked about" : "You").Raw("</h2>\n<dl>");
        page.Raw("<dt>").Raw(visitor.Asked ? "Address" : "Your address, as Archeio sees it").Raw("</dt><dd id=\"address\" class=\"host\">");
        page.Text(visitor.Address?.ToString() ?? "unknown: " + (visitor.Client.AddressError ?? "no address")).Raw("</dd>\n");
        page.Raw("<dt>Cloud</dt><dd id=\"cloud\">").Text(visitor.Location is { } location
            ? location.Cloud + (location.Region.Length > 0 ? " " + location.Region : "")
            : "none: not in a cloud range Archeio knows").Raw("</dd>\n");
        if (visitor.Geo is { } geo && (geo.Country is not null || geo.Asn is not null))
        {
            page.Raw("<dt>Country, network</dt><dd id=\"geo\">").Text(string.Join(", ", new[]
            {
                geo.Country, geo.Asn is { } asn ? "AS" + asn.ToString(CultureInfo.InvariantCulture) : null,
            }.OfType<string>())).Raw("</dd>\n");
        }

        page.Raw("<dt>Rule that fits</dt><dd id=\"rule\">").Text(RuleName(entry)).Raw(": ").Text(entry.MatchInWords).Raw("</dd>\n");
        page.Raw("<dt>Where pulls go</dt><dd id=\"where\">").Text(WherePullsGo(entry)).Raw("</dd>\n</dl>\n");
        page.Raw("<h3>Hosts ").Raw(visitor.Asked ? "its" : "your").Raw(" firewall must allow</h3>\n");
        page.Raw("<table id=\"allow\"><tr><th>host:port</th><th>why</th></tr>");
        if (archeio is not null)
        {
            page.Raw("<tr><td class=\"host\">").Text(archeio).Raw("</td><td>Archeio itself: every request starts here</td></tr>");
        }

        foreach (var host in entry.Hosts)
        {
            page.Raw("<tr><td class=\"host\">").Text(host.HostPort).Raw("</td><td>");
            Reasons(page, host.Reasons);
            page.Raw("</td></tr>");
        }

        page.Raw("</table>\n</section>\n");
    }

    private static void WriteRules(Page page, EgressList list)
    {
        page.Raw("<h2>Every rule</h2>\n<p class=\"note\">Tried in order; the first that fits a client decides.</p>\n");
        page.Raw("<table id=\"rules\"><tr><th>rule</th><th>match</th><th>action</th><th>upstreams, in failover order</th><th>hosts its clients reach</th></tr>\n");
        foreach (var entry in list.Entries)
        {
            page.Raw("<tr><td>").Text(RuleName(entry)).Raw("</td><td>").Text(entry.MatchInWords).Raw("</td><td>").Text(entry.ActionName)
                .Raw("</td><td>").Text(string.Join(", ", entry.Upstreams.Select(u => u.Name))).Raw("</td><td>");
            if (entry.Action == RuleAction.Proxy)
            {
                page.Raw("none besides Archeio: it fetches the content itself");
            }
            else
            {
                page.Raw("<ul>");
                foreach (var host in entry.Hosts)
                {
                    page.Raw("<li><span class=\"host\">").Text(host.HostPort).Raw("</span>: ").Text(string.Join("; ", host.Reasons)).Raw("</li>");
                }

                page.Raw("</ul>");
            }

            page.Raw("</td></tr>\n");
        }

        page.Raw("</table>\n");
    }

    private static void Reasons(Page page, ImmutableArray<string> reasons)
    {
        for (var i = 0; i < reasons.Length; i++)
        {
            page.Raw(i == 0 ? "" : "<br>").Text(reasons[i]);
        }
    }

    private static string RuleName(EgressEntry entry)
        => entry.Index is { } index ? "Rule " + index.ToString(CultureInfo.InvariantCulture) : "No rule";

    /// <summary>Where a client of <paramref name="entry"/>'s pulls go, in one sentence.</summary>
    internal static string WherePullsGo(EgressEntry entry)
    {
        var upstreams = "upstream " + string.Join(", then ", entry.Upstreams.Select(u => u.Name)) + (entry.Upstreams.Length > 1 ? " (the first that is up)" : "");
        var rule = entry.Rule;
        var candidates = rule is null ? [] : rule.Candidates.Select(c => c.Name).ToImmutableArray();
        var split = rule is null || rule.Split.IsEmpty ? "" : " (" + string.Join(", ", rule.Split.Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Percent}% of clients try {s.Candidate.Name} first"))) + ")";
        var route = candidates.Length switch
        {
            0 => $"everything to {upstreams}",
            1 => $"a blob to {candidates[0]} when it holds it{split}, else to {upstreams}; manifests by tag, tags and referrers to the same upstreams",
            _ => $"a blob to the first of {string.Join(", ", candidates)} that holds it{split}, else to {upstreams}; manifests by tag, tags and referrers to the same upstreams",
        };
        return entry.Action == RuleAction.Proxy
            ? $"Archeio fetches the content itself and streams it ({route}): the client contacts Archeio alone."
            : $"Archeio redirects the client: {route}.";
    }

    /// <summary>The page being written: markup as it is, text always encoded.</summary>
    private sealed class Page
    {
        private readonly StringBuilder _html = new(8 * 1024);

        public Page Raw(string markup)
        {
            _html.Append(markup);
            return this;
        }

        public Page Text(string text)
        {
            _html.Append(HtmlEncoder.Default.Encode(text));
            return this;
        }

        public byte[] ToBytes() => Encoding.UTF8.GetBytes(_html.ToString());
    }
}
