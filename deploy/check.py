#!/usr/bin/env python3
"""Checks the deployment files as far as this machine allows (run by .ci/run).

- Helm charts: no helm binary is packaged for Debian here, so the templates are written in a
  small subset of Helm's language ({{ .Values.x }}, {{ .Release.Name }}, {{ .Chart.x }}, with
  `| quote` and `| nindent N`) that this script renders exactly; anything else fails the check.
  Every rendered document must parse as YAML and pass structural checks (kind, names, non-root,
  read-only root filesystem, probes, images, referenced values exist).
- Compose: parsed and checked here, and `docker-compose config -q` validates it against the
  Compose schema when the client is installed (Debian's docker-compose; no daemon needed).
- Dockerfile: both targets run as a non-root user, have a HEALTHCHECK, and their entrypoints
  exec the same launchers the tests run (bin/cohort, bin/cohort-node).
- systemd units: ExecStart runs the launchers; hardening keys present.
- docs/operations.md (with --docs): every `bin/cohort ...` / `bin/cohort-node ...` line in a
  code block is run with --help appended, so a renamed command or option fails CI.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
errors = []


def fail(msg):
    errors.append(msg)


# ---------------------------------------------------------------- helm
EXPR = re.compile(r"\{\{\s*(.*?)\s*\}\}")
REF = re.compile(r"^\.(Values|Release|Chart)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")


def lookup(ctx, root, path, where):
    node = ctx[root]
    for part in path.strip(".").split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{where}: .{root}{path} is not defined")
        node = node[part]
    return node


def render(text, ctx, where):
    def sub(m):
        parts = [p.strip() for p in m.group(1).split("|")]
        ref = REF.match(parts[0])
        if not ref:
            raise ValueError(f"{where}: '{{{{ {m.group(1)} }}}}' is outside the checked template subset")
        value = lookup(ctx, ref.group(1), ref.group(2), where)
        if isinstance(value, bool):
            out = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            out = str(value)
        else:
            raise ValueError(f"{where}: {m.group(1)} is a {type(value).__name__}; the subset renders scalars only")
        for f in parts[1:]:
            if f == "quote":
                out = '"' + str(out).replace('"', '\\"') + '"'
            elif re.fullmatch(r"nindent \d+", f):
                pad = " " * int(f.split()[1])
                out = "\n" + "\n".join(pad + line if line else line for line in str(out).rstrip("\n").split("\n"))
            else:
                raise ValueError(f"{where}: filter '{f}' is outside the checked template subset")
        return str(out)
    return EXPR.sub(sub, text)


def check_workload(doc, where):
    spec = doc["spec"]["template"]["spec"]
    sc = spec.get("securityContext", {})
    if sc.get("runAsNonRoot") is not True or sc.get("runAsUser", 0) == 0:
        fail(f"{where}: pod must run as non-root (runAsNonRoot: true, runAsUser != 0)")
    for c in spec["containers"]:
        csc = c.get("securityContext", {})
        if csc.get("readOnlyRootFilesystem") is not True or csc.get("allowPrivilegeEscalation") is not False:
            fail(f"{where}: container {c['name']} needs readOnlyRootFilesystem: true, allowPrivilegeEscalation: false")
        if ":" not in c["image"]:
            fail(f"{where}: container {c['name']} image '{c['image']}' has no tag")
        if "livenessProbe" not in c and "readinessProbe" not in c:
            fail(f"{where}: container {c['name']} has no probe")
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        if "/tmp" not in mounts:
            fail(f"{where}: container {c['name']} needs a writable /tmp volume (read-only root)")
        volumes = {v["name"] for v in spec.get("volumes", [])}
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                fail(f"{where}: volumeMount {m['name']} has no volume")


def check_chart(chart_dir):
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    for key in ("apiVersion", "name", "version", "appVersion"):
        if key not in chart:
            fail(f"{chart_dir}/Chart.yaml: missing {key}")
    ctx = {"Values": yaml.safe_load((chart_dir / "values.yaml").read_text()),
           "Release": {"Name": "ci", "Namespace": "default"},
           "Chart": {"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]}}
    kinds = []
    for t in sorted((chart_dir / "templates").glob("*.yaml")):
        where = str(t.relative_to(ROOT))
        try:
            rendered = render(t.read_text(), ctx, where)
            docs = [d for d in yaml.safe_load_all(rendered) if d is not None]
        except (KeyError, ValueError, yaml.YAMLError) as e:
            fail(str(e))
            continue
        for d in docs:
            for key in ("apiVersion", "kind", "metadata"):
                if key not in d:
                    fail(f"{where}: document without {key}")
            kinds.append(d.get("kind"))
            if d.get("kind") in ("Deployment", "StatefulSet"):
                check_workload(d, where)
            if d.get("kind") == "ConfigMap" and "node.yaml" in d.get("data", {}):
                node = yaml.safe_load(d["data"]["node.yaml"])
                if node.get("plaintext") is True:
                    fail(f"{where}: node.yaml must not use plaintext development mode")
    if "Deployment" not in kinds:
        fail(f"{chart_dir}: no Deployment rendered")
    print(f"helm chart {chart_dir.name}: rendered {len(kinds)} documents ({', '.join(kinds)})")


# ---------------------------------------------------------------- compose
def check_compose():
    f = DEPLOY / "compose" / "docker-compose.yml"
    doc = yaml.safe_load(f.read_text())
    services = doc["services"]
    for name in ("postgres", "coordinator", "node1", "node2", "node3"):
        if name not in services:
            fail(f"{f}: service {name} missing")
    node_volumes = set()
    for name, s in services.items():
        if name == "postgres":
            continue
        if s.get("read_only") is not True or "/tmp" not in s.get("tmpfs", []):
            fail(f"{f}: service {name} must run read_only with a tmpfs /tmp")
        if name.startswith("node"):
            vols = s.get("volumes", [])
            if len(vols) != 1:
                fail(f"{f}: {name} needs exactly its own state volume")
            node_volumes.update(v.split(":")[0] for v in vols)
    if len(node_volumes) != 3:
        fail(f"{f}: the three nodes must have three distinct volumes, got {sorted(node_volumes)}")
    if shutil.which("docker-compose"):
        r = subprocess.run(["docker-compose", "-f", str(f), "config", "-q"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"docker-compose config: {r.stderr.strip()}")
        else:
            print("compose: docker-compose config -q accepted the file")
    else:
        print("compose: docker-compose not installed; structural checks only")


# ---------------------------------------------------------------- dockerfile
def check_dockerfile():
    f = DEPLOY / "docker" / "Dockerfile"
    stages, current = {}, None
    for line in f.read_text().splitlines():
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
        if m:
            current = m.group(1)
            stages[current] = []
        elif current:
            stages[current].append(line)
    for target, launcher in (("coordinator", "bin/cohort serve"), ("node", "bin/cohort-node --config")):
        body = "\n".join(stages.get(target, []))
        user = re.search(r"^USER\s+(\S+)", body, re.M)
        if not user or user.group(1).split(":")[0] in ("0", "root"):
            fail(f"{f}: target {target} must switch to a non-root USER")
        if "HEALTHCHECK" not in body:
            fail(f"{f}: target {target} has no HEALTHCHECK")
        ep = re.search(r'^ENTRYPOINT\s+\["([^"]+)"', body, re.M)
        if not ep:
            fail(f"{f}: target {target} has no exec-form ENTRYPOINT")
            continue
        script = DEPLOY / "docker" / Path(ep.group(1)).name
        text = script.read_text() if script.exists() else ""
        if f"exec /opt/cohort/{launcher}" not in text:
            fail(f"{script}: must exec /opt/cohort/{launcher} (the launcher the tests run)")
    print("dockerfile: targets coordinator and node checked")


# ---------------------------------------------------------------- systemd
def check_systemd():
    for unit, launcher in (("cohort-coordinator.service", "/opt/cohort/bin/cohort serve"),
                           ("cohort-node.service", "/opt/cohort/bin/cohort-node --config")):
        text = (DEPLOY / "systemd" / unit).read_text()
        for needed in (f"ExecStart={launcher}", "NoNewPrivileges=yes", "ProtectSystem=strict", "User="):
            if needed not in text:
                fail(f"deploy/systemd/{unit}: missing '{needed}'")
        sections = re.findall(r"^\[(\w+)\]", text, re.M)
        if sections != ["Unit", "Service", "Install"]:
            fail(f"deploy/systemd/{unit}: sections {sections}, expected Unit, Service, Install")
    print("systemd: units checked")


# ---------------------------------------------------------------- docs
def check_docs():
    doc = (ROOT / "docs" / "operations.md").read_text()
    commands, in_block, lines = [], None, []
    for raw in doc.splitlines():
        if raw.startswith("```"):
            in_block = None if in_block is not None else raw[3:].strip()
            continue
        if in_block in ("sh", "bash", "console", ""):
            lines.append(raw)
    for line in lines:
        line = line.split(" #")[0].strip()
        m = re.match(r"^(?:sudo -u \S+ )?(?:/opt/cohort/)?(bin/cohort(?:-node)?)\s+(.*)$", line)
        if m and "\\" not in line:
            commands.append((m.group(1), m.group(2)))
    for launcher, args in commands:
        argv = [str(ROOT / launcher)] + args.split() + ["--help"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        usage = re.search(r"^Usage: (.*?)(?: \[|$)", r.stdout, re.M)
        if r.returncode != 0 or not usage:
            fail(f"docs/operations.md: `{launcher} {args}` is not accepted: {(r.stderr or r.stdout).strip()[:300]}")
            continue
        # picocli prints help even around unknown words, so check what it resolved: every
        # leading plain word of the doc line must be a subcommand on the usage path, and every
        # --option of the doc line must be in the help text.
        path = usage.group(1).split()
        words = []
        for t in args.split():
            if t.startswith("-"):
                break
            if re.fullmatch(r"[a-z]+", t):
                words.append(t)
        missing = [w for w in words if w not in path[1:]]
        unknown = [o for o in re.findall(r"(--[a-z][a-z-]*)", args) if o not in r.stdout]
        if missing or unknown:
            fail(f"docs/operations.md: `{launcher} {args}`: unknown subcommand {missing} or options {unknown}")
    print(f"docs: {len(commands)} commands of docs/operations.md accepted by the launchers")


if __name__ == "__main__":
    for chart in sorted((DEPLOY / "helm").iterdir()):
        if (chart / "Chart.yaml").exists():
            check_chart(chart)
    check_compose()
    check_dockerfile()
    check_systemd()
    if "--docs" in sys.argv:
        check_docs()
    for e in errors:
        print("FAIL: " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)
