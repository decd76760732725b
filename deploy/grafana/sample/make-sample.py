#!/usr/bin/env python3
"""Writes synthetic /metrics scrapes of one Archeio replica, 60 s apart, following the metrics contract
(the names in deploy/grafana/archeio.json). Deterministic (fixed seed): `python3 make-sample.py` rewrites
scrape-1.prom … scrape-4.prom beside it. Input for scripts/render-dashboard.sh until a real scrape replaces it."""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
random.seed(7)
MIRRORS = {"aws-us-east-1": 0.30, "aws-eu-west-1": 0.18, "aws-ap-northeast-1": 0.08, "default": 0.25}
DECISIONS = {**{"mirror:" + m: s for m, s in MIRRORS.items()}, "upstream": 0.11, "signature-upstream": 0.01,
             "info": 0.002, "not-found": 0.02, "rejected:NAME_INVALID": 0.005, "method-not-allowed": 0.001, "api-version": 0.043}
KIND = {"upstream": "manifest", "info": "other", "not-found": "other", "method-not-allowed": "other", "api-version": "api-version"}
STATUS = {"info": "302", "not-found": "404", "rejected:NAME_INVALID": "400", "method-not-allowed": "405", "api-version": "200"}
CLIENTS = [("AWS", "us-east-1", "NA", 0.31), ("AWS", "eu-west-1", "EU", 0.17), ("AWS", "ap-northeast-1", "AS", 0.07),
           ("GCP", "us-central1", "NA", 0.12), ("GCP", "europe-west4", "EU", 0.05), ("Azure", "westeurope", "EU", 0.04),
           ("", "", "NA", 0.11), ("", "", "EU", 0.08), ("", "", "AS", 0.04), ("", "", "OC", 0.01)]
BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
RPS = [820, 910, 1040, 980]


def cdf(le, kind):
    # Blob requests wait on a HEAD now and then; the rest are answered from memory.
    scale = 0.004 if kind == "blob" else 0.0006
    return 1 - 2.718281828 ** (-le / scale) * (0.9 if kind == "blob" else 1) if le < 5 else 1.0


def write(i, t):
    requests = sum(RPS[:i + 1]) * 60.0
    lines = ["# HELP archeio_requests_total Requests answered.", "# TYPE archeio_requests_total counter"]
    by_kind = {}
    for decision, share in DECISIONS.items():
        kind = KIND.get(decision, "blob" if decision.startswith("mirror:") or decision == "signature-upstream" else "manifest")
        status = STATUS.get(decision, "307")
        value = round(requests * share)
        by_kind[kind] = by_kind.get(kind, 0) + value
        method = "HEAD" if decision == "api-version" else "GET"
        lines.append(f'archeio_requests_total{{kind="{kind}",method="{method}",status="{status}",decision="{decision}"}} {value}')
    lines += ["# TYPE archeio_request_duration_seconds histogram"]
    for kind, count in by_kind.items():
        for le in BUCKETS:
            lines.append(f'archeio_request_duration_seconds_bucket{{kind="{kind}",le="{le}"}} {round(count * cdf(le, kind))}')
        lines.append(f'archeio_request_duration_seconds_bucket{{kind="{kind}",le="+Inf"}} {count}')
        lines.append(f'archeio_request_duration_seconds_sum{{kind="{kind}"}} {count * (0.003 if kind == "blob" else 0.0004):.3f}')
        lines.append(f'archeio_request_duration_seconds_count{{kind="{kind}"}} {count}')
    lines += ["# TYPE archeio_client_requests_total counter"]
    for cloud, region, continent, share in CLIENTS:
        lines.append(f'archeio_client_requests_total{{cloud="{cloud}",region="{region}",continent="{continent}"}} {round(requests * share)}')
    lines += ["# TYPE archeio_blob_check_heads_total counter", "# TYPE archeio_blob_check_head_bytes_total counter"]
    for n, (mirror, share) in enumerate(MIRRORS.items()):
        heads = requests * share * 0.04
        average = [4.1e6, 3.2e6, 2.6e6, 3.7e6][n]
        outcomes = {"present": 0.86, "absent": 0.12, "error": 0.015, "timeout": 0.005}
        if mirror == "aws-ap-northeast-1" and i >= 2:
            outcomes = {"present": 0.50, "absent": 0.10, "error": 0.25, "timeout": 0.15}
        for outcome, o in outcomes.items():
            lines.append(f'archeio_blob_check_heads_total{{mirror="{mirror}",outcome="{outcome}"}} {round(heads * o)}')
        lines.append(f'archeio_blob_check_head_bytes_total{{mirror="{mirror}"}} {round(heads * outcomes["present"]) * average:.0f}')
    hits, misses = requests * 0.79 * 0.95, requests * 0.79 * 0.05
    lines += ["# TYPE archeio_blob_cache_hits_total counter", f"archeio_blob_cache_hits_total {round(hits)}",
              "# TYPE archeio_blob_cache_misses_total counter", f"archeio_blob_cache_misses_total {round(misses)}",
              "# TYPE archeio_blob_cache_evictions_total counter", f"archeio_blob_cache_evictions_total {round(misses * 0.02)}",
              "# TYPE archeio_blob_cache_entries gauge", f"archeio_blob_cache_entries {41000 + round(misses * 0.3)}",
              "# TYPE archeio_blob_check_coalesced_total counter", f"archeio_blob_check_coalesced_total {round(misses * 0.07)}",
              "# TYPE archeio_blob_check_breaker_state gauge"]
    for mirror in MIRRORS:
        state = 2 if mirror == "aws-ap-northeast-1" and i == 2 else 1 if mirror == "aws-ap-northeast-1" and i == 3 else 0
        lines.append(f'archeio_blob_check_breaker_state{{mirror="{mirror}"}} {state}')
    lines += ["# TYPE archeio_inventory_digests gauge"]
    for mirror, digests in {"aws-us-east-1": 48211, "aws-eu-west-1": 48190, "aws-ap-northeast-1": 47702, "default": 0}.items():
        lines.append(f'archeio_inventory_digests{{mirror="{mirror}"}} {digests}')
    lines += ["# TYPE archeio_range_prefixes gauge", 'archeio_range_prefixes{cloud="AWS"} 9874', 'archeio_range_prefixes{cloud="GCP"} 812',
              'archeio_range_prefixes{cloud="Azure"} 0',
              "# TYPE archeio_range_data_age_seconds gauge", f'archeio_range_data_age_seconds{{cloud="AWS"}} {8100 + t}',
              f'archeio_range_data_age_seconds{{cloud="GCP"}} {15300 + t}', f'archeio_range_data_age_seconds{{cloud="Azure"}} {95000 + t}',
              "# TYPE archeio_range_refresh_failures_total counter", 'archeio_range_refresh_failures_total{cloud="AWS"} 0',
              'archeio_range_refresh_failures_total{cloud="GCP"} 0', f'archeio_range_refresh_failures_total{{cloud="Azure"}} {3 + i}',
              "# TYPE archeio_ready gauge", "archeio_ready 1"]
    # Bytes and cost per target: redirected bytes by the HEADs' sizes (inventory hits are of unknown size), proxied bytes of
    # a restricted network's rule, and the cost at each target's PricePerGiB (the upstream and default unpriced here).
    prices = {("mirror", "aws-us-east-1"): 0.02, ("mirror", "aws-eu-west-1"): 0.02, ("mirror", "aws-ap-northeast-1"): 0.02, ("upstream", "default"): 0.12}
    proxied = {"mirror:aws-eu-west-1": requests * 0.004 * 3.2e6}
    redirected, unknown = {}, {}
    for n, (mirror, share) in enumerate(MIRRORS.items()):
        redirects = requests * share
        known = 0.35 if mirror != "default" else 0.97
        redirected[("mirror", mirror)] = round(redirects * known) * [4.1e6, 3.2e6, 2.6e6, 3.7e6][n]
        unknown[("mirror", mirror)] = round(redirects * (1 - known))
    redirected[("upstream", "default")] = round(requests * DECISIONS["upstream"] * 0.1) * 1.1e6
    unknown[("upstream", "default")] = round(requests * DECISIONS["upstream"] * 0.9)
    lines += ["# TYPE archeio_redirected_bytes_total counter"]
    lines += [f'archeio_redirected_bytes_total{{target="{t}",kind="{k}"}} {v:.0f}' for (k, t), v in redirected.items()]
    lines += ["# TYPE archeio_redirects_unknown_size_total counter"]
    lines += [f'archeio_redirects_unknown_size_total{{target="{t}",kind="{k}"}} {v}' for (k, t), v in unknown.items()]
    lines += ["# TYPE archeio_proxied_bytes_total counter"]
    lines += [f'archeio_proxied_bytes_total{{source="{s}"}} {v:.0f}' for s, v in proxied.items()]
    lines += ["# TYPE archeio_estimated_egress_cost_total counter"]
    for (k, t), price in prices.items():
        from_proxy = sum(v for s, v in proxied.items() if s == f"{'mirror' if k == 'mirror' else 'upstream'}:{t}")
        lines.append(f'archeio_estimated_egress_cost_total{{target="{t}",kind="{k}"}} {(redirected[(k, t)] + from_proxy) / 2**30 * price:.6f}')
    with open(os.path.join(HERE, f"scrape-{i + 1}.prom"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


for i in range(4):
    write(i, i * 60)
