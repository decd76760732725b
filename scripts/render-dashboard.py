#!/usr/bin/env python3
"""Render the Archeio Grafana dashboard (deploy/grafana/archeio.json) to static HTML and a PNG, offline.

Grafana is not needed: the panels' values are computed here from Prometheus text scrapes of Archeio's
/metrics (the metric names of the dashboard's contract), laid out on the dashboard's own grid with its
titles and units, drawn with inline SVG and CSS (no CDN, no JavaScript), and screenshot with headless
Chromium (Debian: `apt-get install -y chromium`).

    scripts/render-dashboard.sh [--interval S] [--wait S] [--png docs/images/dashboard.png] SCRAPE...

SCRAPE is a file or an http(s) URL of /metrics, oldest first. Counters become rates between consecutive
scrapes (files are taken --interval seconds apart, default 60; one URL is scraped twice, --wait seconds
apart, default 15); gauges are read from the latest. Two scrapes give each panel its current value;
three or more draw the time series. Examples:

    scripts/render-dashboard.sh deploy/grafana/sample/scrape-*.prom            # the committed sample PNG
    scripts/render-dashboard.sh --wait 30 http://127.0.0.1:9090/metrics        # a running server
    python3 scripts/render-dashboard.py --html out.html --no-png a.prom b.prom # HTML only (tests)

Every panel of the dashboard must have a computation below (PANELS, keyed by title): the script fails
when one is missing, so the picture cannot silently drift from the dashboard.
"""

import argparse
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "archeio.json")

# ---------------------------------------------------------------- scrapes

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_scrape(text):
    """Prometheus text format -> {(name, ((label, value), ...)): float}."""
    samples = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise ValueError("not a sample line: " + line)
        labels = tuple(sorted((k, bytes(v, "utf-8").decode("unicode_escape")) for k, v in LABEL.findall(match.group(3) or "")))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def read_source(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:
            return response.read().decode("utf-8")
    with open(source, encoding="utf-8") as f:
        return f.read()


class Window:
    """Two consecutive scrapes: rates between them, gauges from the later one."""

    def __init__(self, before, after, seconds):
        self.before, self.after, self.seconds = before, after, seconds

    @staticmethod
    def _matches(labels, match):
        d = dict(labels)
        for key, want in match.items():
            value = d.get(key, "")
            if callable(want):
                if not want(value):
                    return False
            elif value != want:
                return False
        return True

    def gauge(self, name, **match):
        return [(dict(l), v) for (n, l), v in self.after.items() if n == name and self._matches(l, match)]

    def rate(self, name, **match):
        result = []
        for (n, l), v in self.after.items():
            if n == name and self._matches(l, match):
                old = self.before.get((n, l), 0.0)
                result.append((dict(l), (v - old if v >= old else v) / self.seconds))  # a reset starts from zero
        return result


def sum_by(series, *keys):
    out = defaultdict(float)
    for labels, value in series:
        out[tuple(labels.get(k, "") for k in keys)] += value
    return dict(out)


def max_by(series, *keys):
    out = {}
    for labels, value in series:
        key = tuple(labels.get(k, "") for k in keys)
        out[key] = max(out.get(key, value), value)
    return out


def total(series):
    return sum(v for _, v in series)


def ratio(a, b):
    return a / b if b else float("nan")


def histogram_quantile(q, buckets):
    """buckets: {le: rate}; Prometheus's linear interpolation within the bucket."""
    points = sorted(((math.inf if le == "+Inf" else float(le)), v) for le, v in buckets.items())
    if not points or points[-1][1] <= 0:
        return float("nan")
    rank = q * points[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in points:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / (count - lower_count) if count > lower_count else 0)
        lower_bound, lower_count = bound, count
    return float("nan")


def quantiles(w, q, by=None):
    series = w.rate("archeio_request_duration_seconds_bucket")
    groups = defaultdict(dict)
    for labels, value in series:
        key = labels.get(by, "") if by else ""
        groups[key][labels["le"]] = groups[key].get(labels["le"], 0.0) + value
    return {k: histogram_quantile(q, b) for k, b in groups.items()}


# ---------------------------------------------------------------- panels (titles as in the dashboard)

MIRROR = lambda d: d.startswith("mirror:")  # noqa: E731
REDIRECT = lambda d: d.startswith("mirror:") or d in ("upstream", "signature-upstream")  # noqa: E731


def mirror_sizes(w):
    """Average present-HEAD size per mirror (the dashboard uses a 1 h window; here the scrape window)."""
    size_bytes = sum_by(w.rate("archeio_blob_check_head_bytes_total"), "mirror")
    present = sum_by(w.rate("archeio_blob_check_heads_total", outcome="present"), "mirror")
    return {m[0]: size_bytes[m] / present[m] for m in size_bytes if present.get(m)}


def offload_by_mirror(w):
    sizes = mirror_sizes(w)
    redirects = sum_by(w.rate("archeio_requests_total", decision=MIRROR), "decision")
    return {d[0][len("mirror:"):]: r * sizes[d[0][len("mirror:"):]] for d, r in redirects.items() if d[0][len("mirror:"):] in sizes}


def one(value):
    return {"": value}


def labelled(groups, fmt="{}"):
    """Group keys as legend text; an empty label (a client in no cloud) shows as "none"."""
    return {(" ".join(fmt.format(*k).split()) or "none") if isinstance(k, tuple) else k: v for k, v in groups.items()}


# The first and last scrapes, for panels that show an increase over the dashboard's range ($__range).
SPAN = None


def over_range(name, *keys):
    return {k: v * SPAN.seconds for k, v in sum_by(SPAN.rate(name), *keys).items()}


def bytes_per_target(w):
    redirected = labelled(sum_by(w.rate("archeio_redirected_bytes_total"), "kind", "target"), "{} {}")
    proxied = {"proxied " + k[0]: v for k, v in sum_by(w.rate("archeio_proxied_bytes_total"), "source").items()}
    return {**redirected, **proxied}


PANELS = {
    "Requests per second": lambda w: one(total(w.rate("archeio_requests_total"))),
    "Ready replicas": lambda w: one(total(w.gauge("archeio_ready"))),
    "Blob redirects to mirrors": lambda w: one(ratio(total(w.rate("archeio_requests_total", decision=MIRROR)), total(w.rate("archeio_requests_total", decision=REDIRECT)))),
    "Estimated bytes offloaded": lambda w: one(sum(offload_by_mirror(w).values())),
    "Blob check cache hit ratio": lambda w: one(ratio(total(w.rate("archeio_blob_cache_hits_total")),
                                                      total(w.rate("archeio_blob_cache_hits_total")) + total(w.rate("archeio_blob_cache_misses_total")))),
    "Latency p99": lambda w: one(quantiles(w, 0.99)[""]),
    "Traffic share by decision": lambda w: labelled(sum_by(w.rate("archeio_requests_total"), "decision")),
    "Blob redirects by mirror": lambda w: labelled(sum_by(w.rate("archeio_requests_total", decision=REDIRECT), "decision")),
    "Estimated bytes offloaded by mirror": offload_by_mirror,
    "Requests by status": lambda w: labelled(sum_by(w.rate("archeio_requests_total"), "status")),
    "Latency p50 / p99": lambda w: {"p50": quantiles(w, 0.5)[""], "p99": quantiles(w, 0.99)[""]},
    "Latency p99 by kind": lambda w: quantiles(w, 0.99, by="kind"),
    "HEADs per second by mirror": lambda w: labelled(sum_by(w.rate("archeio_blob_check_heads_total"), "mirror", "outcome"), "{} {}"),
    "Circuit breakers": lambda w: labelled(max_by(w.gauge("archeio_blob_check_breaker_state"), "mirror")),
    "Blob check cache": lambda w: {
        "hits": total(w.rate("archeio_blob_cache_hits_total")),
        "misses": total(w.rate("archeio_blob_cache_misses_total")),
        "evictions": total(w.rate("archeio_blob_cache_evictions_total")),
        "coalesced": total(w.rate("archeio_blob_check_coalesced_total")),
    },
    "Cache entries": lambda w: one(total(w.gauge("archeio_blob_cache_entries"))),
    "Inventory digests by mirror": lambda w: labelled(max_by(w.gauge("archeio_inventory_digests"), "mirror")),
    "Range data age": lambda w: labelled(max_by(w.gauge("archeio_range_data_age_seconds"), "cloud")),
    "Range prefixes by cloud": lambda w: labelled(max_by(w.gauge("archeio_range_prefixes"), "cloud")),
    # The dashboard's increase over 1 h; here the increase over the whole span of the scrapes.
    "Range refresh failures (1 h)": lambda w: labelled({k: v * w.seconds for k, v in sum_by(w.rate("archeio_range_refresh_failures_total"), "cloud").items()}),
    "Clients by cloud and region": lambda w: dict(sorted(labelled(sum_by(w.rate("archeio_client_requests_total"), "cloud", "region"), "{} {}").items(), key=lambda kv: -kv[1])[:15]),
    "Clients by continent": lambda w: labelled(sum_by(w.rate("archeio_client_requests_total"), "continent")),
    "Bytes per target": bytes_per_target,
    # The dashboard's increase over $__range: here from the first scrape to the last.
    "Estimated cost per target": lambda w: labelled(over_range("archeio_estimated_egress_cost_total", "kind", "target"), "{} {}"),
    "Redirects of unknown size by target": lambda w: labelled(sum_by(w.rate("archeio_redirects_unknown_size_total"), "kind", "target"), "{} {}"),
}

# ---------------------------------------------------------------- formatting

COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a", "#96d98d", "#ffb357",
          "#ff7383", "#ca95e5", "#3274d9", "#56a64b", "#e0b400", "#c4162a"]


def fmt(value, unit):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "No data"
    if unit == "percentunit":
        return f"{value * 100:.1f}%"
    if unit == "s":
        if value < 1:
            return f"{value * 1000:.1f} ms"
        if value >= 3600:
            return f"{value / 3600:.1f} h"
        return f"{value:.1f} s"
    scaled, suffix = value, ""
    steps = [(1e9, "G"), (1e6, "M"), (1e3, "K")] if unit != "Bps" else [(1 << 30, "Gi"), (1 << 20, "Mi"), (1 << 10, "Ki")]
    for factor, name in steps:
        if abs(value) >= factor:
            scaled, suffix = value / factor, name
            break
    number = f"{scaled:.0f}" if scaled == int(scaled) and not suffix else f"{scaled:.3g}" if abs(scaled) < 100 else f"{scaled:.0f}"
    return {"reqps": f"{number}{suffix} req/s", "ops": f"{number}{suffix} ops/s", "Bps": f"{number} {suffix}B/s".replace("  ", " "),
            "short": f"{number}{suffix}"}.get(unit, f"{number}{suffix}")


def esc(text):
    return html.escape(str(text))


def bars(values, unit, thresholds=None):
    if not values:
        return '<div class="nodata">No data</div>'
    peak = max((v for v in values.values() if not math.isnan(v)), default=0) or 1
    rows = []
    for i, (label, value) in enumerate(values.items()):
        color = threshold_color(value, thresholds) or COLORS[i % len(COLORS)]
        width = 0 if math.isnan(value) else max(0.5, 100 * value / peak)
        rows.append(f'<div class="bar"><span class="bl">{esc(label or "value")}</span><span class="bt"><span class="bf" style="width:{width:.1f}%;background:{color}"></span></span>'
                    f'<span class="bv">{esc(fmt(value, unit))}</span></div>')
    return '<div class="bars">' + "".join(rows) + "</div>"


def threshold_color(value, thresholds):
    if not thresholds:
        return None
    color = None
    for step in thresholds.get("steps", []):
        if step.get("value") is None or value >= step["value"]:
            color = {"green": "#73bf69", "yellow": "#f2cc0c", "red": "#f2495c"}.get(step["color"], step["color"])
    return color


def donut(values, unit):
    values = {k: v for k, v in values.items() if v > 0}
    whole = sum(values.values())
    if not whole:
        return '<div class="nodata">No data</div>'
    radius, offset, arcs, legend = 15.9155, 25.0, [], []
    for i, (label, value) in enumerate(sorted(values.items(), key=lambda kv: -kv[1])):
        share = 100 * value / whole
        color = COLORS[i % len(COLORS)]
        arcs.append(f'<circle r="{radius}" cx="21" cy="21" fill="none" stroke="{color}" stroke-width="7" '
                    f'stroke-dasharray="{share:.3f} {100 - share:.3f}" stroke-dashoffset="{offset:.3f}"/>')
        offset -= share
        legend.append(f'<div class="lg"><i style="background:{color}"></i>{esc(label)}<b>{share:.1f}%</b><span>{esc(fmt(value, unit))}</span></div>')
    return (f'<div class="donut"><svg viewBox="0 0 42 42">{"".join(arcs)}</svg><div class="legend">{"".join(legend)}</div></div>')


def lines(series, unit):
    """series: {label: [value per window]}."""
    labels = list(series)
    points = max(len(v) for v in series.values())
    finite = [v for vs in series.values() for v in vs if not math.isnan(v)]
    if not finite:
        return '<div class="nodata">No data</div>'
    top = max(finite) * 1.1 or 1
    width, height = 100.0, 40.0
    out = [f'<svg class="ts" viewBox="0 0 {width} {height}" preserveAspectRatio="none">']
    for g in range(1, 4):
        out.append(f'<line x1="0" x2="{width}" y1="{height * g / 4}" y2="{height * g / 4}" class="gl"/>')
    for i, label in enumerate(labels):
        xs = [width * j / (points - 1) for j in range(points)]
        ys = [height - height * (v if not math.isnan(v) else 0) / top for v in series[label]]
        path = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(xs, ys))
        color = COLORS[i % len(COLORS)]
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="0.6" vector-effect="non-scaling-stroke" style="stroke-width:2px"/>')
    out.append("</svg>")
    legend = "".join(f'<div class="lg"><i style="background:{COLORS[i % len(COLORS)]}"></i>{esc(l)}<span>{esc(fmt(series[l][-1], unit))}</span></div>'
                     for i, l in enumerate(labels))
    return (f'<div class="tswrap"><div class="axis"><span>{esc(fmt(top, unit))}</span><span>0</span></div>{"".join(out)}</div>'
            f'<div class="legend row">{legend}</div>')


def timeline(series, mappings):
    names = mappings[0]["options"] if mappings else {}
    colors = {"green": "#73bf69", "yellow": "#f2cc0c", "red": "#f2495c"}
    rows = []
    for label, values in series.items():
        cells = "".join(f'<span style="background:{colors.get(names.get(str(int(v)), {}).get("color"), "#555")}" title="{esc(names.get(str(int(v)), {}).get("text", v))}"></span>'
                        for v in values if not math.isnan(v))
        last = names.get(str(int(values[-1])), {}).get("text", values[-1])
        rows.append(f'<div class="tl"><span class="bl">{esc(label)}</span><span class="cells">{cells}</span><span class="bv">{esc(last)}</span></div>')
    return '<div class="bars">' + "".join(rows) + "</div>" if rows else '<div class="nodata">No data</div>'


def render_panel(panel, windows):
    kind, unit = panel["type"], panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    compute = PANELS[panel["title"]]
    per_window = [compute(w) for w in windows]
    latest = per_window[-1]
    if kind == "stat":
        if list(latest) == [""]:
            value = latest[""]
            color = threshold_color(value, defaults.get("thresholds")) or "#73bf69"
            return f'<div class="stat" style="color:{color}">{esc(fmt(value, unit))}</div>'
        return bars(latest, unit, defaults.get("thresholds"))
    if kind == "piechart":
        return donut(latest, unit)
    if kind == "bargauge":
        return bars(latest, unit, defaults.get("thresholds"))
    series = {label: [pw.get(label, float("nan")) for pw in per_window] for label in sorted({l for pw in per_window for l in pw})}
    if kind == "state-timeline":
        return timeline(series, defaults.get("mappings"))
    if len(windows) >= 2:
        return lines(series, unit)
    return bars(latest, unit)


CSS = """
body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 'DejaVu Sans',Inter,Helvetica,Arial,sans-serif}
header{display:flex;justify-content:space-between;align-items:baseline;padding:10px 16px 0}
header h1{font-size:18px;margin:0;color:#fff;font-weight:500} header span{color:#8e8e9e;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:30px;gap:8px;padding:8px 16px 16px}
.panel{background:#181b1f;border:1px solid #2a2d35;border-radius:3px;padding:6px 10px;overflow:hidden;display:flex;flex-direction:column}
.panel h2{font-size:13px;margin:0 0 6px;color:#e6e6f0;font-weight:500;white-space:nowrap}
.row{grid-column:1/-1;font-size:15px;color:#fff;padding-top:6px;border-bottom:1px solid #2a2d35}
.body{flex:1;min-height:0;display:flex;flex-direction:column;justify-content:center}
.stat{font-size:34px;font-weight:500;text-align:center}
.nodata{color:#8e8e9e;text-align:center}
.bars{display:flex;flex-direction:column;gap:3px;overflow:hidden}
.bar,.tl{display:grid;grid-template-columns:38% 1fr 90px;align-items:center;gap:6px;font-size:12px}
.bl{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.bv{text-align:right;white-space:nowrap}
.bt{background:#22252b;height:12px;border-radius:2px;overflow:hidden}.bf{display:block;height:100%}
.cells{display:flex;height:14px;gap:1px}.cells span{flex:1}
.donut{display:flex;gap:10px;align-items:center;height:100%}.donut svg{height:92%;max-height:190px;transform:rotate(-90deg)}
.legend{display:flex;flex-direction:column;gap:2px;font-size:12px;flex:1;overflow:hidden}
.legend.row{flex-direction:row;flex-wrap:wrap;gap:2px 12px;border:0;padding:0;font-size:11px}
.lg{display:flex;gap:6px;align-items:center;white-space:nowrap}.lg i{width:10px;height:4px;display:inline-block}
.lg b{font-weight:500;margin-left:auto}.lg span{color:#8e8e9e;margin-left:6px}
.tswrap{flex:1;display:flex;min-height:0}.ts{flex:1;height:100%;background:#15171b}
.ts .gl{stroke:#2a2d35;stroke-width:0.2}.axis{display:flex;flex-direction:column;justify-content:space-between;font-size:10px;color:#8e8e9e;padding-right:4px;text-align:right;min-width:54px}
"""


def render_html(dashboard, windows, note):
    panels = []
    for panel in dashboard["panels"]:
        g = panel["gridPos"]
        place = f'grid-column:{g["x"] + 1}/span {g["w"]};grid-row:{g["y"] + 1}/span {g["h"]}'
        if panel["type"] == "row":
            panels.append(f'<div class="row" style="{place}">{esc(panel["title"])}</div>')
            continue
        panels.append(f'<section class="panel" style="{place}"><h2>{esc(panel["title"])}</h2><div class="body">{render_panel(panel, windows)}</div></section>')
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{esc(dashboard["title"])}</title><style>{CSS}</style></head>'
            f'<body><header><h1>{esc(dashboard["title"])}</h1><span>{esc(note)}</span></header><div class="grid">{"".join(panels)}</div></body></html>')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scrapes", nargs="+", help="Prometheus text scrapes (files or URLs), oldest first")
    parser.add_argument("--interval", type=float, default=60, help="seconds between file scrapes (default 60)")
    parser.add_argument("--wait", type=float, default=15, help="seconds between the two scrapes of a single URL (default 15)")
    parser.add_argument("--html", help="where to write the HTML (default: a temporary file)")
    parser.add_argument("--png", default=os.path.join(ROOT, "docs", "images", "dashboard.png"), help="where to write the screenshot")
    parser.add_argument("--no-png", action="store_true", help="write the HTML only")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    args = parser.parse_args()

    with open(DASHBOARD, encoding="utf-8") as f:
        dashboard = json.load(f)
    missing = [p["title"] for p in dashboard["panels"] if p["type"] != "row" and p["title"] not in PANELS]
    if missing:
        sys.exit("render-dashboard: no computation for panel(s): " + ", ".join(missing))

    sources, times = list(args.scrapes), []
    if len(sources) == 1 and sources[0].startswith(("http://", "https://")):
        first = read_source(sources[0])
        started = time.monotonic()
        time.sleep(args.wait)
        texts = [first, read_source(sources[0])]
        times = [0.0, time.monotonic() - started]
    else:
        texts = [read_source(s) for s in sources]
        times = [i * args.interval for i in range(len(texts))]
    if len(texts) < 2:
        sys.exit("render-dashboard: need at least two scrapes (or one URL) to compute rates")
    scrapes = [parse_scrape(t) for t in texts]
    windows = [Window(scrapes[i], scrapes[i + 1], times[i + 1] - times[i]) for i in range(len(scrapes) - 1)]
    global SPAN
    SPAN = Window(scrapes[0], scrapes[-1], times[-1] - times[0])
    note = f"{len(scrapes)} scrapes, {times[-1] - times[0]:.0f} s; rates between consecutive scrapes; rendered offline by scripts/render-dashboard.py"
    page = render_html(dashboard, windows, note)

    html_path = args.html or os.path.join(tempfile.mkdtemp(prefix="archeio-dashboard-"), "dashboard.html")
    with open(html_path, "w", encoding="utf-8") as f:
        f.write(page)
    print("html:", html_path)
    if args.no_png:
        return

    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    height = 50 + rows * 38 + 16
    chromium = shutil.which(args.chromium) or sys.exit(f"render-dashboard: {args.chromium} not found (apt-get install -y chromium)")
    os.makedirs(os.path.dirname(os.path.abspath(args.png)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="archeio-chromium-") as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                        f"--user-data-dir={profile}", f"--screenshot={os.path.abspath(args.png)}",
                        f"--window-size={args.width},{height}", "file://" + os.path.abspath(html_path)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    print("png:", args.png)


if __name__ == "__main__":
    main()
