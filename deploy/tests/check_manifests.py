#!/usr/bin/env python3
"""Offline checks of the Kubernetes manifests under deploy/.

  (a) Every YAML document under deploy/ (Prometheus's own rule files aside)
      is an object with apiVersion, kind and metadata.name, and
      deploy/kustomization.yaml lists every manifest.
  (b) The IsolationPolicy CRD has a structural schema that the API server
      would take; every file of policies/ validates against it and every
      file of deploy/tests/invalid-policies/ is rejected, as the API server
      would judge them (nulls pruned, unknown fields refused as kubectl's
      --validate=strict does); the CASES table records where the schema and
      the agent's parser agree and where they differ. With --nsfencectl the
      agent's own parser (nsfencectl validate) judges the same files and
      cases, so the table cannot drift from userspace/policy/.
  (c) The agent's ClusterRole grants get/list/watch on namespaces, pods and
      isolationpolicies and nothing else; the roles for people are as
      documented.
  (d) deploy/kubernetes/prometheusrule.yaml is what tools/gen-prometheusrule.py
      writes, so it holds exactly the groups of deploy/prometheus/nsfence-rules.yaml.
  (e) The DaemonSet starts the agent with flags of userspace/agent/options.cc
      only, with values AgentUsage() lists, and the ones its inventory source
      needs: with kubernetes, no --inventory, --unknown-pods explicit, the
      node's name from the downward API (NODE_NAME, spec.nodeName) and the
      service account token mounted (unless --kubeconfig); its paths
      (--policy, --inventory, --kubeconfig, ...) are on volume mounts, its
      ConfigMap volumes are shipped, and its ports and capabilities match.

Needs python3-yaml and python3-jsonschema (tools/install-deps.sh).
"""
import argparse
import copy
import importlib.util
import ipaddress
import os
import re
import subprocess
import sys
import tempfile

import yaml

try:
    import jsonschema
except ImportError:  # a clear failure, never a skip
    print("check_manifests: python3-jsonschema is missing (tools/install-deps.sh installs it)")
    sys.exit(1)

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(DEPLOY)
CRD_FILE = os.path.join(DEPLOY, "crds", "isolationpolicies.nsfence.io.yaml")
INVALID_DIR = os.path.join(DEPLOY, "tests", "invalid-policies")
POLICIES_DIR = os.path.join(ROOT, "policies")
NAMESPACE = "nsfence-system"

# What the agent's ClusterRole may grant: read, on exactly these.
AGENT_READS = {("", "namespaces"), ("", "pods"), ("nsfence.io", "isolationpolicies")}
READ_VERBS = {"get", "list", "watch"}
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
# The DaemonSet's added capabilities; docs/operations.md says why for each.
AGENT_CAPABILITIES = {"BPF", "PERFMON", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "KILL"}


def _within(value):
    return f"response: [{{when: {{kind: network, within: {value}}}, action: quarantine}}]"


def _selector(selector):
    return f"network: {{egress: [{{to: [{{namespaceSelector: {selector}}}]}}]}}"


def _ip_block(block):
    return f"network: {{egress: [{{to: [{{ipBlock: {block}}}]}}]}}"


# Small policies judged by the CRD schema (as the API server would) and by the
# agent's parser. Each: name, the lines under spec (after namespaceSelector:
# {}) or, for a name starting with "metadata", under metadata, whether the API
# server takes it, whether the agent does. Where the two differ is what OpenAPI
# cannot say or says more strictly than the parser: docs/operations.md,
# "IsolationPolicy objects".
CASES = [
    # response.within: whole seconds, 1s to 24h.
    ("within 30s", _within("30s"), True, True),
    ("within 1h30m", _within("1h30m"), True, True),
    ("within 24h", _within("24h"), True, True),
    ("within 86400s", _within("86400s"), True, True),
    ("within 1440m", _within("1440m"), True, True),
    ("within 25h", _within("25h"), False, False),
    ("within 86401s", _within("86401s"), False, False),
    ("within 0s", _within("0s"), False, False),
    ("within 500ms", _within("500ms"), False, False),
    ("within 60 (no unit)", _within("60"), False, False),
    # The pattern bounds each part, not their sum.
    ("within 24h1s (sum over 24h)", _within("24h1s"), True, False),
    # The pattern takes only whole h, m and s parts without zeros.
    ("within 1000ms", _within("1000ms"), False, True),
    ("within 1.5m", _within("1.5m"), False, True),
    ("within 01m", _within("01m"), False, True),
    ("within 1h0m", _within("1h0m"), False, True),
    ("count 10000", "response: [{when: {kind: device, count: 10000}, action: kill-pod-processes}]", True, True),
    ("count 10001", "response: [{when: {kind: device, count: 10001}, action: kill-pod-processes}]", False, False),
    ("when without kind", "response: [{when: {count: 2}, action: quarantine}]", False, False),
    ("response without action", "response: [{when: {kind: tls}}]", False, False),
    # tls
    ('minVersion "1.3"', 'tls: {minVersion: "1.3", direction: egress}', True, True),
    # YAML reads a plain 1.2 as a number; the API wants the string.
    ("minVersion 1.2 unquoted", "tls: {minVersion: 1.2}", False, True),
    ("direction out", "tls: {direction: out}", False, False),
    ("requireTLS every TCP port", "tls: {requireTLS: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}", True, True),
    ("requireTLS protocol SCTP", "tls: {requireTLS: [{ports: [{protocol: SCTP}]}]}", False, False),
    # containers
    ("capability net_raw", "containers: {allowedCapabilities: [net_raw, CAP_SYS_PTRACE, cap_bpf]}", True, True),
    ("capability ALL", "containers: {allowedCapabilities: [ALL]}", False, False),
    ("capability CAP_SYS_ADMIN", "containers: {allowedCapabilities: [cap_sys_admin]}", False, False),
    ("capability NET_ADMN", "containers: {allowedCapabilities: [NET_ADMN]}", False, False),
    # Go's and Python's case folding take U+017F for s; the parser's ASCII does not.
    ("capability \\u017fys_ptrace", 'containers: {allowedCapabilities: ["\\u017fys_ptrace"]}', True, False),
    ("privileged block", "containers: {privileged: block}", False, False),
    ("containers {}", "containers: {}", True, True),
    ("containers null", "containers:", True, True),
    # network: ports
    ("port range", "network: {egress: [{ports: [{port: 8000, endPort: 8100}, {protocol: UDP}]}]}", True, True),
    ("endPort without port", "network: {egress: [{ports: [{endPort: 8100}]}]}", False, False),
    ("endPort below port", "network: {egress: [{ports: [{port: 8100, endPort: 8000}]}]}", True, False),
    ('port "443" quoted', 'network: {egress: [{ports: [{port: "443"}]}]}', False, False),
    ("port 0", "network: {egress: [{ports: [{port: 0}]}]}", False, False),
    ("protocol SCTP", "network: {egress: [{ports: [{protocol: SCTP}]}]}", False, False),
    ("protocol tcp", "network: {egress: [{ports: [{protocol: tcp}]}]}", False, False),
    # network: peers
    ("peer ipBlock v6", 'network: {ingress: [{from: [{ipBlock: {cidr: "fd00::/8", except: ["fd00:1::/32"]}}]}]}',
     True, True),
    ("peer {}", "network: {egress: [{to: [{}]}]}", False, False),
    ("peer podSelector", "network: {egress: [{to: [{podSelector: {}}]}]}", False, False),
    ("cidr without prefix", _ip_block("{cidr: 10.0.0.0}"), False, False),
    ("cidr /33", _ip_block("{cidr: 10.0.0.0/33}"), False, False),
    # format: cidr takes host bits; the parser wants the network address.
    ("cidr with host bits", _ip_block("{cidr: 10.0.0.1/8}"), True, False),
    ("except outside cidr", _ip_block("{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}"), True, False),
    ("except equal to cidr", _ip_block("{cidr: 10.0.0.0/8, except: [10.0.0.0/8]}"), True, False),
    ("except of the other family", _ip_block('{cidr: 10.0.0.0/8, except: ["fd00::/8"]}'), True, False),
    ("crossNamespace maybe", "network: {crossNamespace: maybe}", False, False),
    ("egress not a list", "network: {egress: {to: []}}", False, False),
    # selectors
    ("matchExpressions Exists", _selector("{matchExpressions: [{key: nsfence.io/tier, operator: Exists}]}"),
     True, True),
    ("Exists with values", _selector("{matchExpressions: [{key: a, operator: Exists, values: [x]}]}"), False, False),
    ("operator Equals", _selector("{matchExpressions: [{key: a, operator: Equals, values: [x]}]}"), False, False),
    ("expression key with a space", _selector("{matchExpressions: [{key: bad key, operator: Exists}]}"), False, False),
    ('label value ""', _selector('{matchLabels: {team: ""}}'), True, True),
    ("label value -bad", _selector("{matchLabels: {team: -bad}}"), False, False),
    # OpenAPI cannot constrain a map's keys.
    ("label key -bad", _selector("{matchLabels: {-bad: x}}"), True, False),
    # The parser reads any scalar as text; the API wants a string.
    ("label value 1 unquoted", _selector("{matchLabels: {team: 1}}"), False, True),
    ("mode Enforce", "mode: Enforce", False, False),
    ("podSelector", "podSelector: {}", False, False),
    # metadata: the API server checks the name; a cluster-scoped object's
    # namespace is dropped; other metadata fields are the API server's.
    ("metadata name Bad_Name", "name: Bad_Name", False, False),
    ("metadata namespace", "namespace: default", True, False),
    ("metadata generateName", "generateName: p-", True, False),
]

# The within pattern bounds parts to 24h, 1440m and 86400s.
_WITHIN_SAMPLES = ["1s", "59s", "1m", "1h", "1h1m1s", "24h", "1440m", "86400s", "2h30m"]


class Checker:
    def __init__(self):
        self.findings = []
        self.notes = []

    def fail(self, where, message):
        self.findings.append(f"{os.path.relpath(where, ROOT) if os.path.isabs(where) else where}: {message}")


def rel(path):
    return os.path.relpath(path, ROOT)


def load_documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def yaml_files(top):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                yield os.path.join(dirpath, name)


# --- (a) --------------------------------------------------------------------

def check_objects(c):
    """Every manifest parses and names itself; returns {path: [documents]}."""
    manifests = {}
    for path in yaml_files(DEPLOY):
        if path.startswith(os.path.join(DEPLOY, "prometheus") + os.sep):
            continue  # Prometheus rule and rule test files, not Kubernetes objects
        try:
            docs = load_documents(path)
        except yaml.YAMLError as e:
            c.fail(path, f"does not parse: {e}")
            continue
        if not docs:
            c.fail(path, "no document")
        for i, doc in enumerate(docs):
            where = f"{rel(path)} document {i + 1}"
            if not isinstance(doc, dict):
                c.fail(where, "not a mapping")
                continue
            if os.path.basename(path) == "kustomization.yaml":
                if doc.get("kind") != "Kustomization":
                    c.fail(where, "kind is not Kustomization")
                continue
            for field in ("apiVersion", "kind"):
                if not isinstance(doc.get(field), str) or not doc[field]:
                    c.fail(where, f"no {field}")
            if not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
                c.fail(where, "no metadata.name")
        manifests[path] = docs
    return manifests


def check_kustomization(c):
    path = os.path.join(DEPLOY, "kustomization.yaml")
    if not os.path.exists(path):
        c.fail(path, "missing")
        return
    listed = set()
    for resource in load_documents(path)[0].get("resources") or []:
        full = os.path.normpath(os.path.join(DEPLOY, resource))
        if not os.path.isfile(full):
            c.fail(path, f"lists {resource}, which does not exist")
        listed.add(full)
    shipped = set(yaml_files(os.path.join(DEPLOY, "crds"))) | set(yaml_files(os.path.join(DEPLOY, "kubernetes")))
    for missing in sorted(shipped - listed):
        c.fail(path, f"does not list {rel(missing)}")


def objects(manifests, kind, name=None):
    return [(p, d) for p, docs in manifests.items() for d in docs
            if isinstance(d, dict) and d.get("kind") == kind
            and (name is None or (d.get("metadata") or {}).get("name") == name)]


def check_namespaces(c, manifests):
    cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                      "IsolationPolicy", "Kustomization"}
    for path, docs in manifests.items():
        if path.startswith(INVALID_DIR):
            continue
        for d in docs:
            if not isinstance(d, dict) or d.get("kind") in cluster_scoped:
                continue
            if (d.get("metadata") or {}).get("namespace") != NAMESPACE:
                c.fail(path, f"{d.get('kind')} {d['metadata'].get('name')} is not in namespace {NAMESPACE}")


# --- (b) --------------------------------------------------------------------

# Keys a v1 CRD schema may not use (apiextensions validation).
FORBIDDEN_KEYS = {"definitions", "dependencies", "deprecated", "discriminator", "id", "patternProperties",
                  "readOnly", "writeOnly", "xml", "$ref", "$schema", "additionalItems"}
JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
# Not allowed inside a junctor of a structural schema.
JUNCTOR_FORBIDDEN = {"type", "description", "default", "additionalProperties", "nullable", "title",
                     "externalDocs"}


def lint_structural(c, node, path, outer=None, in_junctor=False, root=False):
    """The rules a v1 CRD schema must follow, which jsonschema does not know."""
    where = f"{rel(CRD_FILE)}: {path or 'openAPIV3Schema'}"
    if not isinstance(node, dict):
        c.fail(where, "not a schema")
        return
    for key in node:
        if key in FORBIDDEN_KEYS:
            c.fail(where, f"{key} is not allowed in a CRD schema")
        if in_junctor and (key in JUNCTOR_FORBIDDEN or key.startswith("x-kubernetes-")):
            c.fail(where, f"{key} is not allowed inside allOf/anyOf/oneOf/not")
    if node.get("uniqueItems") is True:
        c.fail(where, "uniqueItems: true is not allowed")
    if "properties" in node and "additionalProperties" in node:
        c.fail(where, "properties and additionalProperties are mutually exclusive")
    if node.get("additionalProperties") is False:
        c.fail(where, "additionalProperties: false is not allowed")
    if node.get("x-kubernetes-preserve-unknown-fields"):
        c.fail(where, "x-kubernetes-preserve-unknown-fields: unknown fields must be refused")
    if root and "additionalProperties" in node:
        c.fail(where, "additionalProperties at the root")
    if not in_junctor:
        if not node.get("type"):
            c.fail(where, "no type")
        if node.get("type") == "array" and "items" not in node:
            c.fail(where, "array without items")
        if "pattern" in node:
            try:
                re.compile(node["pattern"])
            except re.error as e:
                c.fail(where, f"pattern does not compile: {e}")
    else:
        # A junctor may only refine fields that the schema specifies outside it.
        for prop in node.get("properties") or {}:
            if prop not in ((outer or {}).get("properties") or {}):
                c.fail(where, f"property {prop} is not specified outside the junctor")
    for prop, sub in (node.get("properties") or {}).items():
        inner_outer = ((outer or {}).get("properties") or {}).get(prop) if in_junctor else None
        lint_structural(c, sub, f"{path}.{prop}" if path else prop, inner_outer, in_junctor)
    if isinstance(node.get("items"), dict):
        lint_structural(c, node["items"], f"{path}[]", (outer or {}).get("items") if in_junctor else None, in_junctor)
    if isinstance(node.get("additionalProperties"), dict):
        lint_structural(c, node["additionalProperties"], f"{path}{{}}", None, in_junctor)
    for j in JUNCTORS:
        subs = node.get(j)
        if subs is None:
            continue
        for i, sub in enumerate([subs] if j == "not" else subs):
            lint_structural(c, sub, f"{path}.{j}[{i}]", node if not in_junctor else outer, True)


def to_jsonschema(node, in_junctor=False, is_metadata=False):
    """The CRD schema as jsonschema sees it: x-kubernetes-* dropped, and every
    object with properties closed, as strict field validation treats it."""
    out = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {p: to_jsonschema(s, in_junctor, is_metadata=(p == "metadata" and not in_junctor))
                        for p, s in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = to_jsonschema(value, in_junctor)
        elif key == "not":
            out[key] = to_jsonschema(value, True)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_jsonschema(s, True) for s in value]
        else:
            out[key] = value
    if not in_junctor and not is_metadata and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("cidr", raises=ValueError)
def _is_cidr(value):
    """Go's net.ParseCIDR, as the API server's format: cidr."""
    if not isinstance(value, str):
        return True
    address, slash, prefix = value.partition("/")
    if not slash or not prefix.isdigit():
        return False
    ipaddress.ip_network(f"{address}/{int(prefix)}", strict=False)
    return True


def prune_nulls(value):
    """The API server drops null fields of a non-nullable schema."""
    if isinstance(value, dict):
        return {k: prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune_nulls(v) for v in value]
    return value


DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class ApiServer:
    """What the API server does with an IsolationPolicy it is sent."""

    def __init__(self, crd):
        version = crd["spec"]["versions"][0]
        self.api_version = f"{crd['spec']['group']}/{version['name']}"
        self.kind = crd["spec"]["names"]["kind"]
        self.validator = jsonschema.Draft4Validator(to_jsonschema(version["schema"]["openAPIV3Schema"]),
                                                    format_checker=FORMATS)

    def errors(self, doc):
        if not isinstance(doc, dict):
            return ["not a mapping"]
        if doc.get("apiVersion") != self.api_version or doc.get("kind") != self.kind:
            return [f"not a {self.api_version} {self.kind}"]
        obj = prune_nulls(copy.deepcopy(doc))
        meta = obj.get("metadata") or {}
        problems = []
        name = meta.get("name")
        if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            problems.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
        meta.pop("namespace", None)  # cluster-scoped: the API server clears it
        for e in sorted(self.validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in e.absolute_path) or "object"
            problems.append(f"{where}: {e.message}")
        return problems


def schema_at(schema, dotted):
    node = schema
    for part in dotted.split("."):
        node = node["items"] if part == "[]" else node["properties"][part]
    return node


def without_descriptions(node):
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def check_defaults(c, node, path, validator_for):
    if not isinstance(node, dict):
        return
    if "default" in node:
        errors = list(validator_for(node).iter_errors(node["default"]))
        if errors:
            c.fail(rel(CRD_FILE), f"{path}: default {node['default']!r} does not validate: {errors[0].message}")
    for prop, sub in (node.get("properties") or {}).items():
        check_defaults(c, sub, f"{path}.{prop}" if path else prop, validator_for)
    if isinstance(node.get("items"), dict):
        check_defaults(c, node["items"], f"{path}[]", validator_for)


def source(relpath):
    with open(os.path.join(ROOT, relpath), encoding="utf-8") as f:
        return f.read()


def check_crd_against_source(c, schema):
    """Constants the schema copies from the parser's sources."""
    spec = schema["properties"]["spec"]
    names_block = re.search(r"kNames = \{(.*?)\};", source("userspace/common/capabilities.cc"), re.S)
    capabilities = re.findall(r'"([A-Z_]+)"', names_block.group(1)) if names_block else []
    pattern = schema_at(spec, "containers.allowedCapabilities.[]")["pattern"]
    listed = re.search(r"\(CAP_\)\?\((.*)\)\$$", pattern)
    expected = [n for n in capabilities if n != "SYS_ADMIN"]
    if not capabilities or not listed or listed.group(1).split("|") != expected:
        c.fail(rel(CRD_FILE), "allowedCapabilities pattern does not list the names of "
                              "userspace/common/capabilities.cc but SYS_ADMIN, in order")
    versions = re.findall(r'\{"(1\.\d)", TlsVersion::', source("userspace/policy/model.h"))
    if schema_at(spec, "tls.minVersion")["enum"] != versions:
        c.fail(rel(CRD_FILE), f"tls.minVersion enum is not {versions} (userspace/policy/model.h)")
    response_h = source("userspace/policy/response_parser.h")
    max_count = int(re.search(r"kMaxResponseCount = (\d+);", response_h).group(1))
    if schema_at(spec, "response.[].when.count")["maximum"] != max_count:
        c.fail(rel(CRD_FILE), f"response count maximum is not kMaxResponseCount ({max_count})")
    if "kMaxResponseWindow = absl::Hours(24)" not in response_h:
        c.fail(rel(CRD_FILE), "kMaxResponseWindow is no longer 24h: update the within pattern")


def check_crd_copies(c, spec):
    """The selector, peer and port schemas are written out several times."""
    selectors = ["namespaceSelector"] + [f"{rules}.[].{peers}.[].namespaceSelector" for rules, peers in
                                         (("network.egress", "to"), ("network.ingress", "from"),
                                          ("tls.requireTLS", "to"))]
    first = without_descriptions(schema_at(spec, selectors[0]))
    for path in selectors[1:]:
        if without_descriptions(schema_at(spec, path)) != first:
            c.fail(rel(CRD_FILE), f"spec.{path} differs from spec.namespaceSelector")
    peers = ["network.egress.[].to.[]", "network.ingress.[].from.[]", "tls.requireTLS.[].to.[]"]
    ports = ["network.egress.[].ports.[]", "network.ingress.[].ports.[]", "tls.requireTLS.[].ports.[]"]
    for group in (peers, ports):
        base = without_descriptions(schema_at(spec, group[0]))
        for path in group[1:]:
            other = without_descriptions(schema_at(spec, path))
            if path.startswith("tls."):  # TCP only
                other = copy.deepcopy(other)
                if "protocol" in other.get("properties", {}):
                    if other["properties"]["protocol"].get("enum") != ["TCP"]:
                        c.fail(rel(CRD_FILE), f"spec.{path}.protocol is not TCP only")
                    other["properties"]["protocol"]["enum"] = ["TCP", "UDP"]
            if other != base:
                c.fail(rel(CRD_FILE), f"spec.{path} differs from spec.{group[0]}")


class Parser:
    """nsfencectl validate: the agent's parser."""

    def __init__(self, binary):
        self.binary = binary

    def accepts_file(self, path):
        run = subprocess.run([self.binary, "validate", path], capture_output=True, text=True, timeout=60)
        output = (run.stdout + run.stderr).strip()
        if run.returncode not in (0, 1):  # 0 clean, 1 errors; anything else is no verdict (a crash, a leak)
            raise RuntimeError(f"{self.binary} validate {path} exited {run.returncode}:\n{output}")
        return run.returncode == 0, output

    def accepts_text(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "case.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return self.accepts_file(path)


def case_text(name, lines):
    """A whole policy document around a case's lines."""
    meta, spec = ("", lines) if not name.startswith("metadata") else (lines, "")
    if not meta.startswith("name:"):
        meta = "name: case\n  " + meta if meta else "name: case"
    return ("apiVersion: nsfence.io/v1alpha1\nkind: IsolationPolicy\n"
            f"metadata:\n  {meta}\nspec:\n  namespaceSelector: {{}}\n" + (f"  {spec}\n" if spec else ""))


def check_crd(c, manifests, parser):
    found = objects(manifests, "CustomResourceDefinition", "isolationpolicies.nsfence.io")
    if len(found) != 1 or found[0][0] != CRD_FILE:
        c.fail(CRD_FILE, "expected the one CustomResourceDefinition isolationpolicies.nsfence.io here")
        return 0
    crd = found[0][1]
    s = crd["spec"]
    names = s.get("names") or {}
    expected = {"kind": "IsolationPolicy", "plural": "isolationpolicies", "singular": "isolationpolicy"}
    if s.get("group") != "nsfence.io" or s.get("scope") != "Cluster" or \
            any(names.get(k) != v for k, v in expected.items()):
        c.fail(CRD_FILE, "group nsfence.io, scope Cluster, kind IsolationPolicy, plural isolationpolicies expected")
    versions = s.get("versions") or []
    if [(v.get("name"), v.get("served"), v.get("storage")) for v in versions] != [("v1alpha1", True, True)]:
        c.fail(CRD_FILE, "expected one version, v1alpha1, served and storage")
        return 0
    columns = {col.get("name"): col.get("jsonPath") for col in versions[0].get("additionalPrinterColumns") or []}
    if columns.get("Mode") != ".spec.mode" or columns.get("Age") != ".metadata.creationTimestamp":
        c.fail(CRD_FILE, "printer columns Mode (.spec.mode) and Age (.metadata.creationTimestamp) expected")
    schema = versions[0]["schema"]["openAPIV3Schema"]
    lint_structural(c, schema, "", root=True)
    check_defaults(c, schema, "", lambda node: jsonschema.Draft4Validator(to_jsonschema(node), format_checker=FORMATS))
    check_crd_against_source(c, schema)
    check_crd_copies(c, schema["properties"]["spec"])
    within = schema_at(schema["properties"]["spec"], "response.[].when.within")
    for sample in _WITHIN_SAMPLES:
        if not re.search(within["pattern"], sample):
            c.fail(CRD_FILE, f"within pattern refuses {sample}")

    api = ApiServer(crd)
    judged = 0
    # Every policy of policies/ applies, and the agent takes it.
    for path in yaml_files(POLICIES_DIR):
        for doc in load_documents(path):
            for problem in api.errors(doc):
                c.fail(path, f"the CRD refuses {doc.get('metadata', {}).get('name')}: {problem}")
            judged += 1
        if parser:
            ok, output = parser.accepts_file(path)
            if not ok:
                c.fail(path, f"nsfencectl validate refuses it:\n{output}")
    # Every invalid fixture is refused, by both.
    fixtures = sorted(yaml_files(INVALID_DIR))
    if len(fixtures) < 10:
        c.fail(INVALID_DIR, f"only {len(fixtures)} invalid fixtures")
    for path in fixtures:
        docs = load_documents(path)
        if len(docs) != 1:
            c.fail(path, "expected one IsolationPolicy per fixture")
            continue
        if not api.errors(docs[0]):
            c.fail(path, "the CRD accepts this invalid policy")
        if parser:
            ok, _ = parser.accepts_file(path)
            if ok:
                c.fail(path, "nsfencectl validate accepts this invalid policy")
        judged += 1
    # The table of small cases.
    for name, lines, crd_ok, parser_ok in CASES:
        text = case_text(name, lines)
        problems = api.errors(yaml.safe_load(text))
        if (not problems) != crd_ok:
            c.fail("CASES", f"{name}: the CRD {'refuses' if problems else 'accepts'} it, "
                            f"CASES says it {'accepts' if crd_ok else 'refuses'}"
                            + (f" ({problems[0]})" if problems else ""))
        if parser:
            ok, output = parser.accepts_text(text)
            if ok != parser_ok:
                c.fail("CASES", f"{name}: nsfencectl validate {'accepts' if ok else 'refuses'} it, "
                                f"CASES says the agent {'accepts' if parser_ok else 'refuses'} it"
                                + (f" ({output.splitlines()[0]})" if output and not ok else ""))
        if crd_ok != parser_ok:
            c.notes.append(f"  {name}: {'only the CRD' if crd_ok else 'only the agent'} accepts it")
        judged += 1
    return judged


# --- (c) --------------------------------------------------------------------

def grants(rules):
    out = set()
    for r in rules or []:
        if r.get("nonResourceURLs") or r.get("resourceNames"):
            out.add(("!", "nonResourceURLs or resourceNames", "!"))
        for g in r.get("apiGroups") or [""]:
            for res in r.get("resources") or []:
                for v in r.get("verbs") or []:
                    out.add((g, res, v))
    return out


def check_rbac(c, manifests):
    def role(name):
        found = objects(manifests, "ClusterRole", name)
        if len(found) != 1:
            c.fail("deploy/kubernetes", f"expected one ClusterRole {name}, found {len(found)}")
            return None, None
        return found[0]

    path, agent = role("nsfence-agent")
    if agent is not None:
        want = {(g, r, v) for g, r in AGENT_READS for v in READ_VERBS}
        got = grants(agent.get("rules"))
        if got != want:
            c.fail(path, f"ClusterRole nsfence-agent grants {sorted(got - want) or 'nothing more'} beyond, "
                         f"and lacks {sorted(want - got) or 'nothing'} of, get/list/watch on namespaces, pods, "
                         "isolationpolicies")
        if agent.get("aggregationRule"):
            c.fail(path, "ClusterRole nsfence-agent aggregates other roles")
    bindings = objects(manifests, "ClusterRoleBinding", "nsfence-agent")
    if len(bindings) != 1:
        c.fail("deploy/kubernetes", "expected one ClusterRoleBinding nsfence-agent")
    else:
        bpath, b = bindings[0]
        ref = b.get("roleRef") or {}
        if ref.get("name") != "nsfence-agent" or ref.get("kind") != "ClusterRole":
            c.fail(bpath, "ClusterRoleBinding nsfence-agent does not bind ClusterRole nsfence-agent")
        if [(s.get("kind"), s.get("name"), s.get("namespace")) for s in b.get("subjects") or []] != \
                [("ServiceAccount", "nsfence-agent", NAMESPACE)]:
            c.fail(bpath, f"ClusterRoleBinding nsfence-agent must bind only ServiceAccount {NAMESPACE}/nsfence-agent")
    if not objects(manifests, "ServiceAccount", "nsfence-agent"):
        c.fail("deploy/kubernetes", "no ServiceAccount nsfence-agent")

    policies = ("nsfence.io", "isolationpolicies")
    path, admin = role("nsfence-super-admin")
    if admin is not None and grants(admin.get("rules")) != {(*policies, v) for v in READ_VERBS | WRITE_VERBS}:
        c.fail(path, "nsfence-super-admin must grant every verb on isolationpolicies, and nothing else")
    path, dev = role("nsfence-developer")
    if dev is not None and grants(dev.get("rules")) != {(*policies, v) for v in READ_VERBS}:
        c.fail(path, "nsfence-developer must grant get/list/watch on isolationpolicies, and nothing else")
    path, billing = role("nsfence-billing")
    if billing is not None and (billing.get("rules") or billing.get("aggregationRule")):
        c.fail(path, "nsfence-billing must grant nothing")
    for p, docs in manifests.items():
        for d in docs:
            if isinstance(d, dict) and d.get("kind") in ("ClusterRole", "Role"):
                if any("*" in (g, r, v) for g, r, v in grants(d.get("rules"))):
                    c.fail(p, f"{d['kind']} {d['metadata']['name']} uses a wildcard")


# --- (d) --------------------------------------------------------------------

def check_prometheus_rule(c, manifests):
    script = os.path.join(ROOT, "tools", "gen-prometheusrule.py")
    spec = importlib.util.spec_from_file_location("gen_prometheusrule", script)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    path = os.path.join(DEPLOY, "kubernetes", "prometheusrule.yaml")
    with open(path, encoding="utf-8") as f:
        if f.read() != gen.render():
            c.fail(path, "is not the output of tools/gen-prometheusrule.py: run "
                         "tools/gen-prometheusrule.py -o deploy/kubernetes/prometheusrule.yaml")
    rules = load_documents(os.path.join(DEPLOY, "prometheus", "nsfence-rules.yaml"))[0]
    found = objects(manifests, "PrometheusRule")
    if len(found) != 1 or found[0][1]["spec"].get("groups") != rules.get("groups"):
        c.fail(path, "expected one PrometheusRule with the groups of deploy/prometheus/nsfence-rules.yaml")


# --- (e) --------------------------------------------------------------------

def agent_flags():
    text = source("userspace/agent/options.cc")
    return set(re.findall(r'flag == "(--[a-z0-9-]+)"', text))


def agent_flag_choices():
    """Flags whose value is one of a closed set, as AgentUsage() writes them
    ("  --unknown-pods deny|allow  ..."): {flag: {values}}."""
    text = source("userspace/agent/options.cc")
    return {flag: set(values.split("|")) for flag, values in
            re.findall(r"^\s+(--[a-z0-9-]+) ([a-z0-9]+(?:\|[a-z0-9]+)+)(?:\s|$)", text, re.M)}


# Flags the agent takes without a value.
BOOLEAN_FLAGS = ("--keep-enforcement-on-exit", "--help")
# Flags the agent takes more than once.
REPEATABLE_FLAGS = ("--policy",)
# What Kubernetes expands in args: $(VAR), VAR from the container's env.
ENV_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def on_mount(value, mounts):
    return any(value == m or value.startswith(m.rstrip("/") + "/") for m in mounts)


def check_daemonset(c, manifests):
    found = objects(manifests, "DaemonSet", "nsfence-agent")
    if len(found) != 1:
        c.fail("deploy/kubernetes", "expected one DaemonSet nsfence-agent")
        return
    path, ds = found[0]
    pod = ds["spec"]["template"]["spec"]
    containers = pod.get("containers") or []
    if len(containers) != 1:
        c.fail(path, "expected one container, the agent")
        return
    agent = containers[0]
    flags = agent_flags()
    choices = agent_flag_choices()
    if not {"--policy", "--inventory", "--inventory-source", "--node-name", "--kubeconfig"} <= flags:
        c.fail("userspace/agent/options.cc", "cannot find the agent's flags")
    if not {"file", "kubernetes"} <= choices.get("--inventory-source", set()) or \
            not {"deny", "allow"} <= choices.get("--unknown-pods", set()):
        c.fail("userspace/agent/options.cc", "cannot find the values of --inventory-source and --unknown-pods "
                                             "in AgentUsage()")
    args = agent.get("args") or []
    if agent.get("command"):
        c.fail(path, "command overrides the image's entrypoint (nsfence-agent)")
    env = {e.get("name"): e for e in agent.get("env") or []}
    used = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            c.fail(path, f"agent argument {arg!r} is not a flag")
            i += 1
            continue
        flag, eq, value = arg.partition("=")
        if flag not in flags:
            c.fail(path, f"agent flag {flag} does not exist (userspace/agent/options.cc)")
        if not eq and flag not in BOOLEAN_FLAGS and i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 1
        if flag in used and flag not in REPEATABLE_FLAGS:
            c.fail(path, f"agent flag {flag} given twice")
        used.setdefault(flag, []).append(value)
        if flag in choices and value not in choices[flag]:
            c.fail(path, f"{flag}={value}: the agent takes one of {sorted(choices[flag])}")
        for var in ENV_REFERENCE.findall(value):
            if var not in env:
                c.fail(path, f"{flag}={value}: $({var}) is no env variable of the container, Kubernetes "
                             "passes it unexpanded")
        i += 1

    def last(flag):
        return used[flag][-1] if flag in used else None

    # The inventory source decides which flags are needed, and what the pod
    # must provide: the agent refuses a mix (ParseAgentArgs).
    inventory_source = last("--inventory-source") or "file"
    if inventory_source == "file":
        required = ("--policy", "--inventory", "--keep-enforcement-on-exit")
        refused = ("--kubeconfig", "--node-name", "--unknown-pods")
    else:
        # --unknown-pods is explicit: what an unknown pod meets is a choice.
        required = ("--unknown-pods", "--keep-enforcement-on-exit")
        refused = ("--inventory",)
    for flag in required:
        if flag not in used:
            c.fail(path, f"the agent is not started with {flag} (--inventory-source={inventory_source})")
    for flag in refused:
        if flag in used:
            c.fail(path, f"{flag} is not for --inventory-source={inventory_source}")
    if inventory_source == "kubernetes":
        # One DaemonSet, every node: the node's name comes from the downward
        # API, either as --node-name=$(NODE_NAME) or as the agent's default
        # ($NODE_NAME).
        node_name = last("--node-name")
        if node_name is not None and not ENV_REFERENCE.fullmatch(node_name):
            c.fail(path, f"--node-name={node_name} names one node for every node of the DaemonSet: "
                         "use --node-name=$(NODE_NAME)")
        var = ENV_REFERENCE.fullmatch(node_name).group(1) if node_name and ENV_REFERENCE.fullmatch(node_name) \
            else "NODE_NAME"
        field = (((env.get(var) or {}).get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        if field != "spec.nodeName" or (env.get(var) or {}).get("value") is not None:
            c.fail(path, f"{var} (the agent's node name) does not come from the downward API's spec.nodeName")
        # In-cluster credentials are the pod's service account token, unless
        # a kubeconfig says otherwise.
        if "--kubeconfig" not in used:
            accounts = objects(manifests, "ServiceAccount", pod.get("serviceAccountName"))
            automount = pod.get("automountServiceAccountToken")
            if automount is None and accounts:
                automount = accounts[0][1].get("automountServiceAccountToken")
            if automount is False:
                c.fail(path, "--inventory-source=kubernetes without --kubeconfig needs the service account "
                             "token: automountServiceAccountToken must be true")
            elif pod.get("automountServiceAccountToken") is not True:
                c.fail(path, "set automountServiceAccountToken: true on the pod, where it says why")
    elif pod.get("automountServiceAccountToken") is not False:
        c.fail(path, "with --inventory-source=file nothing calls the API: automountServiceAccountToken: false")
    if len(args) < 5 or args[4] != "--keep-enforcement-on-exit":
        c.fail(path, "docs/operations.md's uninstall patch removes args[4], which must be --keep-enforcement-on-exit")
    mounts = {m["mountPath"]: m for m in agent.get("volumeMounts") or []}
    for flag in ("--policy", "--inventory", "--kubeconfig", "--bpffs", "--admin-socket"):
        for value in used.get(flag, []):
            if value and not on_mount(value, mounts):
                c.fail(path, f"{flag}={value} is on no volume mount")
    # Every mount has a volume, and every ConfigMap volume a ConfigMap of
    # deploy/ (none left behind by a removed one).
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for m in agent.get("volumeMounts") or []:
        if m.get("name") not in volumes:
            c.fail(path, f"volumeMount {m.get('mountPath')} names no volume {m.get('name')}")
    mounted = {m.get("name") for m in agent.get("volumeMounts") or []}
    for name, v in volumes.items():
        if name not in mounted:
            c.fail(path, f"volume {name} is mounted nowhere")
        cm = v.get("configMap")
        if cm and not cm.get("optional") and not objects(manifests, "ConfigMap", cm.get("name")):
            c.fail(path, f"volume {name} names ConfigMap {cm.get('name')}, which deploy/ does not ship")
    for mount, read_only in (("/sys/fs/bpf", False), ("/sys/fs/cgroup", True), ("/sys/kernel/btf", True),
                             ("/run/nsfence", False)):
        m = mounts.get(mount)
        if m is None:
            c.fail(path, f"{mount} is not mounted")
        elif bool(m.get("readOnly")) != read_only:
            c.fail(path, f"{mount} should be mounted {'read-only' if read_only else 'read-write'}")
    metrics = last("--metrics-address") or ""
    port = int(metrics.rpartition(":")[2]) if metrics.rpartition(":")[2].isdigit() else None
    ports = {p.get("name"): p.get("containerPort") for p in agent.get("ports") or []}
    if port is None or ports.get("metrics") != port:
        c.fail(path, f"--metrics-address {metrics!r} and the metrics containerPort differ")
    for probe in ("livenessProbe", "readinessProbe"):
        http = (agent.get(probe) or {}).get("httpGet") or {}
        if http.get("path") != "/metrics" or http.get("port") not in ("metrics", port):
            c.fail(path, f"{probe} is not an httpGet of /metrics on the metrics port")
    strategy = ds["spec"].get("updateStrategy") or {}
    if strategy.get("type") != "RollingUpdate" or (strategy.get("rollingUpdate") or {}).get("maxUnavailable") != 1 \
            or (strategy.get("rollingUpdate") or {}).get("maxSurge", 0) != 0:
        c.fail(path, "updateStrategy must be RollingUpdate, maxUnavailable 1, maxSurge 0")
    sc = agent.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    if sc.get("privileged") or caps.get("drop") != ["ALL"] or set(caps.get("add") or []) != AGENT_CAPABILITIES:
        c.fail(path, f"the agent must drop ALL and add exactly {sorted(AGENT_CAPABILITIES)}, unprivileged "
                     "(a change here is a change to docs/operations.md)")
    if not sc.get("readOnlyRootFilesystem"):
        c.fail(path, "the root filesystem is not read-only")
    if pod.get("serviceAccountName") != "nsfence-agent":
        c.fail(path, "the pod does not run as ServiceAccount nsfence-agent")
    if {"operator": "Exists"} not in (pod.get("tolerations") or []):
        c.fail(path, "no toleration of every taint")
    res = agent.get("resources") or {}
    if not (res.get("requests") and res.get("limits")):
        c.fail(path, "resource requests and limits expected")
    docs = source("docs/operations.md")
    for cap in sorted(AGENT_CAPABILITIES):
        if f"`CAP_{cap}`" not in docs:
            c.fail("docs/operations.md", f"does not say why the agent has {cap}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nsfencectl", help="nsfencectl binary: the agent's parser also judges policies and CASES")
    args = ap.parse_args()
    parser = None
    if args.nsfencectl:
        if not os.access(args.nsfencectl, os.X_OK):
            print(f"check_manifests: {args.nsfencectl} is not an executable (build nsfencectl first)")
            return 1
        parser = Parser(args.nsfencectl)

    c = Checker()
    manifests = check_objects(c)
    check_kustomization(c)
    check_namespaces(c, manifests)
    try:
        judged = check_crd(c, manifests, parser)
    except RuntimeError as e:
        c.fail("nsfencectl", str(e))
        judged = 0
    check_rbac(c, manifests)
    check_prometheus_rule(c, manifests)
    check_daemonset(c, manifests)

    for finding in c.findings:
        print(finding)
    if c.findings:
        print(f"check_manifests: {len(c.findings)} finding(s)")
        return 1
    documents = sum(len(d) for d in manifests.values())
    print(f"check_manifests: {documents} documents in {len(manifests)} files; {judged} policies and cases judged by "
          f"the CRD schema{' and by ' + args.nsfencectl if parser else ''}")
    print("where the CRD schema and the agent's parser differ (CASES):")
    for note in c.notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
