#!/usr/bin/env python3
"""Checks that the alert rules and the Grafana dashboard use only metrics the
agent exposes.

Every nsfence_* name in the rules file (expressions and annotations) and in
the dashboard (every string: queries, variables, descriptions) must be one of
METRICS below (a histogram also as _bucket, _sum, _count). Label matchers on
them must use their labels, with known values where the set is closed; the
labels of by/on/without/ignoring/group_* clauses and of legends must belong to
a metric of the same expression. Also: every rule of group nsfence is an alert
with a severity label and summary and description annotations; every
dashboard panel and query uses the ${DS_PROMETHEUS} data source variable.

  deploy/tests/check_dashboard_metrics.py [--rules FILE] [--dashboard FILE]
      [--promtool PATH] [--exposition FILE]

--promtool: also has promtool parse every dashboard query (Grafana's
$variables replaced), as recording rules of a scratch rules file.
--exposition: a scrape of a running agent (/metrics text); METRICS must then
be exactly the nsfence_* families it declares (# TYPE lines).

Needs python3-yaml (a dependency of clang-tidy, which tools/install-deps.sh
installs). Exit status 0 when everything checks, 1 with one line per finding.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("check_dashboard_metrics: python3-yaml is missing (apt-get install python3-yaml)")

# What nsfence-agent exposes on :9479/metrics. Labels map to their closed set
# of values, or None when any value is possible.
METRICS = {
    "nsfence_violations_total": ("counter", {
        "kind": {"network", "tls", "privileged", "device"},
        "action": {"blocked", "audited"},
        "namespace": None,
        "policy": None,
    }),
    "nsfence_events_lost_total": ("counter", {"stage": {"kernel_ringbuf", "undecodable", "rate_limit"}}),
    "nsfence_ringbuf_used_bytes": ("gauge", {}),
    "nsfence_ringbuf_size_bytes": ("gauge", {}),
    "nsfence_event_pipeline_latency_seconds": ("histogram", {}),
    "nsfence_policy_reloads_total": ("counter", {"result": {"success", "failure"}}),
    "nsfence_policy_generation": ("gauge", {}),
    "nsfence_policy_last_reload_success_timestamp_seconds": ("gauge", {}),
    "nsfence_bpf_map_entries": ("gauge", {"map": None}),
    "nsfence_bpf_map_capacity": ("gauge", {"map": None}),
    "nsfence_quarantined_pods": ("gauge", {}),
    "nsfence_responses_total": ("counter", {
        "response": {"quarantine", "kill-pod-processes", "release"},
        "result": {"taken", "audited", "failed"},
        "namespace": None,
    }),
    "nsfence_audit_log_errors_total": ("counter", {}),
    "nsfence_enforcement_backend": ("gauge", {
        "capability": {"exec", "network", "tls", "devices"},
        "backend": {"lsm", "tracepoint", "cgroup", "cgroup_skb", "cgroup_device"},
    }),
    "nsfence_kernel_counter_total": ("counter", {"counter": None}),
    # The Kubernetes inventory (--inventory-source=kubernetes); registered
    # whatever the source.
    "nsfence_kube_synced": ("gauge", {"resource": {"namespaces", "pods", "isolationpolicies"}}),
    "nsfence_kube_watch_failures_total": ("counter", {"resource": {"namespaces", "pods", "isolationpolicies"}}),
    "nsfence_kube_invalid_objects": ("gauge", {"resource": {"isolationpolicies"}}),
    "nsfence_pending_pods": ("gauge", {}),
    "nsfence_inventory_apply_latency_seconds": ("histogram", {}),
    "nsfence_build_info": ("gauge", {"version": None}),
}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"instance", "job"}
# Metrics of other exporters the files may use, with their labels.
OTHER_METRICS = {"up": set()}
SEVERITIES = {"critical", "warning", "info"}
DATASOURCE_UID = "${DS_PROMETHEUS}"

NAME_RE = re.compile(r"(?<![A-Za-z0-9_:])nsfence_[A-Za-z0-9_]*")
SELECTOR_RE = re.compile(r"(?<![A-Za-z0-9_:$])([a-zA-Z_][A-Za-z0-9_]*)\s*\{([^}]*)\}")
MATCHER_RE = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
GROUPING_RE = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
LEGEND_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\(\s*(.*?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


def base_metric(name):
    """The METRICS entry a sample name belongs to, or None."""
    if name in METRICS:
        return name, False
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and METRICS.get(base, ("",))[0] == "histogram":
            return base, suffix == "_bucket"
    return None, False


def labels_of(name):
    """Label names a series of this sample name may carry, or None if unknown."""
    base, bucket = base_metric(name)
    if base:
        return set(METRICS[base][1]) | TARGET_LABELS | ({"le"} if bucket else set())
    if name in OTHER_METRICS:
        return OTHER_METRICS[name] | TARGET_LABELS
    return None


class Checker:
    def __init__(self):
        self.findings = []
        self.used = set()

    def fail(self, where, message):
        self.findings.append(f"{where}: {message}")

    def names(self, where, text):
        """Every nsfence_* token of any string must be a known metric."""
        for name in NAME_RE.findall(text):
            base, _ = base_metric(name)
            if base is None:
                self.fail(where, f"unknown metric {name}")
            else:
                self.used.add(base)

    def expression(self, where, expr, legend=None):
        """Label matchers, grouping labels and legend labels of one PromQL expression."""
        self.names(where, expr)
        known = set(TARGET_LABELS)
        for metric, matchers in SELECTOR_RE.findall(expr):
            allowed = labels_of(metric)
            if allowed is None:
                if metric.startswith("nsfence_"):
                    continue  # reported by names()
                self.fail(where, f"selector of unknown metric {metric}")
                continue
            known |= allowed
            rest = matchers
            while rest.strip():
                m = MATCHER_RE.match(rest)
                if not m:
                    self.fail(where, f"cannot read the matchers of {metric}{{{matchers}}}")
                    break
                rest = rest[m.end():]
                label, op, value = m.groups()
                if label == "__name__":
                    continue
                if label not in allowed:
                    self.fail(where, f"{metric} has no label {label}")
                    continue
                base, _ = base_metric(metric)
                values = METRICS[base][1].get(label) if base else None
                if values and op in ("=", "!=") and "$" not in value and value not in values:
                    self.fail(where, f'{metric}{{{label}="{value}"}}: {label} is one of {sorted(values)}')
        for metric in re.findall(r"(?<![A-Za-z0-9_:{,\"])(nsfence_[A-Za-z0-9_]*|up)\b(?!\s*\{)", expr):
            allowed = labels_of(metric)
            if allowed:
                known |= allowed
        for clause, labels in GROUPING_RE.findall(expr):
            for label in filter(None, (l.strip() for l in labels.split(","))):
                if label not in known:
                    self.fail(where, f"{clause} ({label}): no metric of the expression has label {label}")
        for label in LEGEND_RE.findall(legend or ""):
            if label not in known:
                self.fail(where, f"legend {{{{{label}}}}}: no metric of the expression has label {label}")


def strings(node, path=""):
    """Every string of a JSON/YAML tree, with where it is."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{path}[{i}]")


def check_rules(c, path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    groups = doc.get("groups") or []
    if [g.get("name") for g in groups] != ["nsfence"]:
        c.fail(path, "expected exactly one rule group, nsfence")
    alerts = 0
    for g in groups:
        for i, rule in enumerate(g.get("rules") or []):
            name = rule.get("alert")
            where = f"{path}: {name or f'rule {i}'}"
            if not name:
                c.fail(where, "not an alerting rule")
                continue
            alerts += 1
            c.expression(where, rule.get("expr", ""))
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in SEVERITIES:
                c.fail(where, f"severity label {severity!r} is not one of {sorted(SEVERITIES)}")
            annotations = rule.get("annotations") or {}
            for key in ("summary", "description"):
                if not str(annotations.get(key, "")).strip():
                    c.fail(where, f"no {key} annotation")
            for key, text in strings(annotations):
                c.names(f"{where} annotation {key}", text)
    if alerts == 0:
        c.fail(path, "no alerts")
    return alerts


def panel_name(panel):
    return f"panel {panel.get('id')} \"{panel.get('title', '')}\""


def check_dashboard(c, path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    if int(dash.get("schemaVersion", 0)) < 36:
        c.fail(path, f"schemaVersion {dash.get('schemaVersion')} is older than 36")
    variables = (dash.get("templating") or {}).get("list") or []
    ds_vars = [v for v in variables if v.get("name") == "DS_PROMETHEUS"]
    if len(ds_vars) != 1 or ds_vars[0].get("type") != "datasource" or ds_vars[0].get("query") != "prometheus":
        c.fail(path, "needs one variable DS_PROMETHEUS of type datasource, query prometheus")
    for v in variables:
        where = f"{path}: variable {v.get('name')}"
        if v.get("type") != "query":
            continue
        if (v.get("datasource") or {}).get("uid") != DATASOURCE_UID:
            c.fail(where, f"data source is not {DATASOURCE_UID}")
        query = v.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        m = LABEL_VALUES_RE.match(query)
        if not m:
            c.fail(where, f"expected label_values(SELECTOR, LABEL), got {query!r}")
            continue
        selector, label = m.groups()
        c.expression(where, selector)
        metric = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", selector)
        allowed = labels_of(metric.group(1)) if metric else None
        if allowed is not None and label not in allowed:
            c.fail(where, f"{metric.group(1)} has no label {label}")

    queries = []
    panels = list(dash.get("panels") or [])
    ids = set()
    while panels:
        panel = panels.pop(0)
        panels.extend(panel.get("panels") or [])
        where = f"{path}: {panel_name(panel)}"
        if panel.get("id") in ids:
            c.fail(where, "duplicate panel id")
        ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        if (panel.get("datasource") or {}).get("uid") != DATASOURCE_UID:
            c.fail(where, f"data source is not {DATASOURCE_UID}")
        targets = panel.get("targets") or []
        if not targets:
            c.fail(where, "no queries")
        for t in targets:
            twhere = f"{where} query {t.get('refId')}"
            if (t.get("datasource") or {}).get("uid") != DATASOURCE_UID:
                c.fail(twhere, f"data source is not {DATASOURCE_UID}")
            expr = t.get("expr", "")
            if not expr.strip():
                c.fail(twhere, "empty expr")
                continue
            legend = t.get("legendFormat", "")
            c.expression(twhere, expr, None if legend == "__auto" else legend)
            queries.append((twhere, expr))
    for where, text in strings(dash):
        c.names(f"{path}: {where}", text)
    return queries


def grafana_to_promql(expr):
    """Grafana's variables replaced by values PromQL accepts."""
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "6h")
    return re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", ".*", expr)


def promtool_parse(c, promtool, queries):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": grafana_to_promql(expr)} for i, (_, expr) in enumerate(queries)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(rules, f)
        scratch = f.name
    try:
        run = subprocess.run([promtool, "check", "rules", scratch], capture_output=True, text=True)
    finally:
        os.unlink(scratch)
    if run.returncode != 0:
        output = (run.stdout + run.stderr).strip()
        bad = sorted({int(i) for i in re.findall(r"dashboard:query_(\d+)", output)})
        for i in bad:
            c.fail(queries[i][0], f"promtool cannot parse {queries[i][1]!r}")
        c.fail(promtool, f"check rules on the dashboard's queries failed:\n{output}")


def check_exposition(c, path):
    declared = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"#\s*TYPE\s+(\S+)\s+(\S+)", line)
            if m and m.group(1).startswith("nsfence_"):
                declared.add(m.group(1))
                if m.group(1) in METRICS and METRICS[m.group(1)][0] != m.group(2):
                    c.fail(path, f"{m.group(1)} is a {m.group(2)}, METRICS says {METRICS[m.group(1)][0]}")
    for name in sorted(set(METRICS) - declared):
        c.fail(path, f"the agent does not expose {name}")
    for name in sorted(declared - set(METRICS)):
        c.fail(path, f"the agent exposes {name}, which METRICS lacks")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", default=os.path.join(root, "prometheus", "nsfence-rules.yaml"))
    ap.add_argument("--dashboard", default=os.path.join(root, "grafana", "nsfence-dashboard.json"))
    ap.add_argument("--promtool", help="promtool binary: also parse the dashboard's queries")
    ap.add_argument("--exposition", help="a scrape of the agent's /metrics to compare METRICS with")
    args = ap.parse_args()

    c = Checker()
    alerts = check_rules(c, args.rules)
    queries = check_dashboard(c, args.dashboard)
    if args.promtool:
        promtool_parse(c, args.promtool, queries)
    if args.exposition:
        check_exposition(c, args.exposition)
    unused = sorted(set(METRICS) - c.used)
    for finding in c.findings:
        print(finding)
    if c.findings:
        print(f"check_dashboard_metrics: {len(c.findings)} finding(s)")
        return 1
    print(f"check_dashboard_metrics: {alerts} alerts and {len(queries)} dashboard queries use only known metrics"
          + (f" (unused: {', '.join(unused)})" if unused else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
