#!/usr/bin/env python3
"""Checks of the rendered Hotline chart and of the Dockerfile beyond schema validation.

  check.py chart  RENDERED.yaml NOTES.txt --keys KEYS.md --profile default|production|trial
                  [--api-bin PATH --worker-bin PATH]
  check.py dockerfile --repo ROOT --rendered RENDERED.yaml --keys KEYS.md
  check.py context --repo ROOT --dest DIR      (copies the Docker build context)

KEYS.md is the output of `hotline-api config`: the Markdown table whose second column lists
every environment variable the services accept (the binary is the source of truth; the
README's copy of the table is generated from it). Exits 1 with a list of failures.
"""

import argparse
import concurrent.futures
import fnmatch
import os
import re
import subprocess
import sys
import tomllib

import yaml

FAILURES: list[str] = []


def check(cond: bool, msg: str) -> bool:
    if not cond:
        FAILURES.append(msg)
    return cond


def known_env(keys_md: str) -> set[str]:
    names = set(re.findall(r"^\| `[a-z0-9_]+` \| `(HOTLINE_[A-Z0-9_]+)` \|", open(keys_md).read(), re.M))
    if len(names) < 10:
        sys.exit(f"{keys_md}: expected the `hotline-api config` table, found {len(names)} variables")
    return names


def load_docs(path: str) -> list[dict]:
    docs = []
    for i, d in enumerate(yaml.safe_load_all(open(path))):
        check(isinstance(d, dict), f"{path}: document {i} is empty or not a mapping")
        if isinstance(d, dict):
            docs.append(d)
    return docs


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def component(d) -> str:
    return d["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")


def is_hook(d) -> bool:
    return "helm.sh/hook" in (d["metadata"].get("annotations") or {})


def pod_spec(d) -> dict:
    return d["spec"]["template"]["spec"]


def container_env(c, configmaps: dict) -> dict:
    """Effective environment of a container: envFrom ConfigMaps first, then env (wins)."""
    env = {}
    for src in c.get("envFrom", []):
        ref = src.get("configMapRef")
        check(ref is not None, f"{c['name']}: envFrom other than configMapRef is not checked")
        if ref:
            data = configmaps.get(ref["name"])
            if check(data is not None, f"{c['name']}: envFrom ConfigMap {ref['name']} is not rendered"):
                env.update({k: ("value", v) for k, v in data.items()})
    names = [e["name"] for e in c.get("env", [])]
    dup = {n for n in names if names.count(n) > 1}
    check(not dup, f"{c['name']}: variables listed twice in env: {sorted(dup)}")
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = ("value", e["value"])
        else:
            env[e["name"]] = ("ref", e.get("valueFrom"))
    return env


def value(env, name):
    kind, v = env.get(name, (None, None))
    return v if kind == "value" else None


def check_security(d):
    what = f"{d['kind']}/{d['metadata']['name']}"
    spec = pod_spec(d)
    check(spec.get("enableServiceLinks") is False,
          f"{what}: enableServiceLinks must be false (Service links inject HOTLINE_*_PORT variables the service refuses)")
    psc = spec.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, f"{what}: pod runAsNonRoot is not true")
    check(psc.get("runAsUser") == 10001, f"{what}: pod runAsUser is not 10001")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{what}: pod seccompProfile is not RuntimeDefault")
    for c in spec["containers"] + spec.get("initContainers", []):
        sc = c.get("securityContext", {})
        w = f"{what} container {c['name']}"
        check(sc.get("readOnlyRootFilesystem") is True, f"{w}: readOnlyRootFilesystem is not true")
        check(sc.get("allowPrivilegeEscalation") is False, f"{w}: allowPrivilegeEscalation is not false")
        check(sc.get("runAsNonRoot") is True and sc.get("runAsUser", 10001) != 0, f"{w}: does not run as non-root")
        check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{w}: capabilities do not drop ALL")
        check(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{w}: seccompProfile is not RuntimeDefault")
        check(bool(c.get("resources", {}).get("requests")), f"{w}: no resource requests")
        check(any(m.get("mountPath") == "/tmp" for m in c.get("volumeMounts", [])), f"{w}: no writable /tmp")


FAKE_SECRETS = {
    "HOTLINE_DATABASE_URL": "postgres://hotline@127.0.0.1:1/hotline",
    "HOTLINE_REDIS_URL": "redis://127.0.0.1:1/0",
    "HOTLINE_SMTP_URL": "smtp://127.0.0.1:1",
    "HOTLINE_JWT_KEYS": "k1:" + "j" * 40,
    "HOTLINE_PII_KEY": "p" * 40,
    "HOTLINE_BOOTSTRAP_PASSWORD": "a first password 1",
}


def start_with_env(what, env, argv):
    """Starts the real binary with the container's environment (secrets replaced by fakes
    whose servers do not exist). The settings load before any connection: exit code 2 with
    "configuration error" means the chart set a variable or value the service refuses."""
    run_env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    for name, (kind, v) in env.items():
        run_env[name] = v if kind == "value" else FAKE_SECRETS.get(name, "")
    p = subprocess.run(argv, env=run_env, cwd="/tmp", capture_output=True, text=True, timeout=60)
    err = p.stderr + p.stdout
    ok = p.returncode == 1 and "configuration error" not in err and "cannot connect to the database" in err
    check(ok, f"{what}: {' '.join(argv[-2:])} did not stop at the (fake) database: exit {p.returncode}: {err.strip()[:400]}")
    return what, p.returncode, ok


def check_chart(a):
    known = known_env(a.keys)
    docs = load_docs(a.rendered)
    notes = open(a.notes).read()
    text = open(a.rendered).read()
    prod = a.profile == "production"

    kinds = sorted({f"{d['kind']}" for d in docs})
    for d in docs:
        check(bool(d.get("apiVersion")) and bool(d.get("metadata", {}).get("name")), f"a document lacks apiVersion or metadata.name: {d.get('kind')}")

    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind(docs, "ConfigMap")}
    deployments = {component(d): d for d in by_kind(docs, "Deployment")}
    jobs = by_kind(docs, "Job")
    ingresses = by_kind(docs, "Ingress")
    worker_on = "worker" in deployments

    check("api" in deployments, "no api Deployment")
    check(a.profile == "trial" or worker_on, "no worker Deployment")
    check(len(jobs) == 1, f"expected one migration Job, found {len(jobs)}")

    # Every HOTLINE_* name anywhere in the manifests and NOTES is a configuration key.
    for name in sorted(set(re.findall(r"\bHOTLINE_[A-Z0-9_]+", text + notes))):
        check(name in known, f"{name} appears in the rendered chart but is not a configuration key of hotline-api")
    for name, data in configmaps.items():
        for k in data:
            check(k in known, f"ConfigMap {name}: {k} is not a configuration key")

    # Security of every pod.
    for d in list(deployments.values()) + jobs:
        check_security(d)
        for c in pod_spec(d)["containers"]:
            for k in container_env(c, configmaps):
                check(not k.startswith("HOTLINE_") or k in known, f"{d['metadata']['name']}/{c['name']}: {k} is not a configuration key")

    runs = []
    # api
    api = deployments.get("api")
    if api:
        c = pod_spec(api)["containers"][0]
        env = container_env(c, configmaps)
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        check(ports.get("http") == 8080, f"api containerPort http is {ports.get('http')}, expected 8080")
        check(value(env, "HOTLINE_BIND") == f"0.0.0.0:{ports.get('http')}", f"api HOTLINE_BIND is {value(env, 'HOTLINE_BIND')}")

        def probe_path(p):
            g = (p or {}).get("httpGet", {})
            port = g.get("port")
            check(port in ("http", ports.get("http")), f"api probe port {port} is not the http port")
            return g.get("path")

        check(probe_path(c.get("livenessProbe")) == "/healthz", "api liveness probe is not GET /healthz")
        check(probe_path(c.get("readinessProbe")) == "/readyz", "api readiness probe is not GET /readyz")
        if c.get("startupProbe"):
            check(probe_path(c["startupProbe"]) == "/healthz", "api startup probe is not GET /healthz")
        check(value(env, "HOTLINE_WORKER_EMBEDDED") == ("false" if worker_on else "true"),
              f"api HOTLINE_WORKER_EMBEDDED is {value(env, 'HOTLINE_WORKER_EMBEDDED')} with the worker Deployment {'on' if worker_on else 'off'}")
        check(value(env, "HOTLINE_RUN_MIGRATIONS") == "false", "api HOTLINE_RUN_MIGRATIONS is not false")
        check(value(env, "HOTLINE_LOG_FORMAT") == "json", "api HOTLINE_LOG_FORMAT is not json")
        check(value(env, "HOTLINE_TRUST_PROXY_HEADERS") == ("true" if ingresses else "false"),
              f"api HOTLINE_TRUST_PROXY_HEADERS is {value(env, 'HOTLINE_TRUST_PROXY_HEADERS')} with {len(ingresses)} Ingress")
        for k in ("HOTLINE_DATABASE_URL", "HOTLINE_JWT_KEYS", "HOTLINE_PII_KEY", "HOTLINE_REDIS_URL"):
            check(env.get(k, (None,))[0] == "ref", f"api {k} does not come from a Secret")
        check(c.get("args") == ["serve"], f"api args are {c.get('args')}")
        labels = api["spec"]["template"]["metadata"]["labels"]
        sel = api["spec"]["selector"]["matchLabels"]
        check(sel.items() <= labels.items(), "api selector does not match its pod labels")
        svcs = [s for s in by_kind(docs, "Service") if component(s) == "api"]
        if check(len(svcs) == 1, "expected one api Service"):
            svc = svcs[0]
            check(svc["spec"]["selector"].items() <= labels.items() and svc["spec"]["selector"].get("app.kubernetes.io/component") == "api",
                  "api Service selector does not select exactly the api pods")
            check(all(p["targetPort"] in ("http", 8080) for p in svc["spec"]["ports"]), "api Service targetPort is not the http port")
            for ing in ingresses:
                for rule in ing["spec"]["rules"]:
                    for p in rule["http"]["paths"]:
                        b = p["backend"]["service"]
                        check(b["name"] == svc["metadata"]["name"], f"Ingress backend {b['name']} is not the api Service")
                        check(b["port"].get("name") in [q["name"] for q in svc["spec"]["ports"]] or b["port"].get("number") in [q["port"] for q in svc["spec"]["ports"]],
                              "Ingress backend port is not a port of the api Service")
        hpas = by_kind(docs, "HorizontalPodAutoscaler")
        if prod:
            check(len(hpas) == 1 and hpas[0]["apiVersion"] == "autoscaling/v2", "production: expected one autoscaling/v2 HPA")
            check("replicas" not in api["spec"], "production: the api Deployment sets replicas although the HPA owns them")
            check(len(ingresses) == 1, "production: expected an Ingress")
            check(hpas and hpas[0]["spec"]["minReplicas"] >= 2, "production: HPA minReplicas below 2")
        for h in hpas:
            check(h["spec"]["scaleTargetRef"]["name"] == api["metadata"]["name"], "HPA does not scale the api Deployment")
        if a.api_bin:
            runs.append(("api", env, [a.api_bin] + c.get("args", [])))

    for pdb in by_kind(docs, "PodDisruptionBudget"):
        target = deployments.get(component(pdb))
        if check(target is not None, f"PDB {pdb['metadata']['name']} protects no rendered Deployment"):
            check(pdb["spec"]["selector"]["matchLabels"].items() <= target["spec"]["template"]["metadata"]["labels"].items(),
                  f"PDB {pdb['metadata']['name']} selector does not match its pods")
    check(any(component(p) == "api" for p in by_kind(docs, "PodDisruptionBudget")), "no PodDisruptionBudget for the api")

    # worker
    if worker_on:
        w = deployments["worker"]
        c = pod_spec(w)["containers"][0]
        env = container_env(c, configmaps)
        check(any(x.endswith("/hotline-worker") for x in c.get("command", [])), f"worker command {c.get('command')} does not run hotline-worker")
        check("exec" in (c.get("livenessProbe") or {}), "worker has no exec liveness probe")
        check(not c.get("ports"), "worker declares ports (it listens on none)")
        check(value(env, "HOTLINE_RUN_MIGRATIONS") == "false", "worker HOTLINE_RUN_MIGRATIONS is not false")
        check(value(env, "HOTLINE_LOG_FORMAT") == "json", "worker HOTLINE_LOG_FORMAT is not json")
        check(w["spec"]["selector"]["matchLabels"].items() <= w["spec"]["template"]["metadata"]["labels"].items(), "worker selector does not match its pod labels")
        if prod:
            check(w["spec"]["replicas"] >= 2, "production: fewer than 2 worker replicas")
        if a.worker_bin:
            runs.append(("worker", env, [a.worker_bin]))

    # migration Job: a pre-install/pre-upgrade hook that needs nothing the release creates later.
    non_hook = {(d["kind"], d["metadata"]["name"]) for d in docs if not is_hook(d)}
    hooks = {(d["kind"], d["metadata"]["name"]): int((d["metadata"]["annotations"] or {}).get("helm.sh/hook-weight", "0")) for d in docs if is_hook(d)}
    for j in jobs:
        ann = j["metadata"].get("annotations") or {}
        phases = set(ann.get("helm.sh/hook", "").split(","))
        check({"pre-install", "pre-upgrade"} <= phases, f"migration Job hook annotation is {ann.get('helm.sh/hook')!r}")
        check("helm.sh/hook-delete-policy" in ann, "migration Job has no hook-delete-policy (a second upgrade would fail on the existing Job)")
        spec = pod_spec(j)
        c = spec["containers"][0]
        check(c.get("args") == ["migrate"] and not c.get("command"), f"migration Job runs {c.get('command')} {c.get('args')}, expected the image's hotline-api with 'migrate'")
        check(c.get("image") == pod_spec(api)["containers"][0]["image"] if api else True, "migration Job image differs from the api image")
        check(spec.get("restartPolicy") == "Never", "migration Job restartPolicy is not Never")
        weight = int(ann.get("helm.sh/hook-weight", "0"))
        sa = spec.get("serviceAccountName")
        check(sa is None or ("ServiceAccount", sa) not in non_hook, f"migration Job uses ServiceAccount {sa}, which does not exist yet at pre-install")
        env = container_env(c, {})
        check(not c.get("envFrom"), "migration Job reads a ConfigMap through envFrom (it does not exist yet at pre-install)")
        for name, (kind, v) in env.items():
            if kind == "ref":
                ref = v.get("secretKeyRef") or v.get("configMapKeyRef")
                k = "Secret" if "secretKeyRef" in v else "ConfigMap"
                check((k, ref["name"]) not in non_hook, f"migration Job reads {k} {ref['name']} ({name}), which is created after the pre-install hook")
                if (k, ref["name"]) in hooks:
                    check(hooks[(k, ref["name"])] < weight, f"hook {k} {ref['name']} is not created before the migration Job")
        for k in ("HOTLINE_DATABASE_URL", "HOTLINE_JWT_KEYS", "HOTLINE_PII_KEY"):
            check(k in env, f"migration Job lacks {k} (hotline-api migrate loads the full configuration; PostgreSQL requires it)")
        if a.api_bin:
            runs.append(("migrate", env, [a.api_bin] + c.get("args", [])))

    # NetworkPolicies: the api accepts only its port; worker and migration accept nothing.
    nps = by_kind(docs, "NetworkPolicy")
    check(len(nps) >= 2, "expected NetworkPolicies for the api and the worker")
    for np in nps:
        sp = np["spec"]
        check(set(sp.get("policyTypes", [])) == {"Ingress", "Egress"}, f"NetworkPolicy {np['metadata']['name']} does not restrict both directions")
        egress_ports = {p.get("port") for r in sp.get("egress", []) for p in r.get("ports", [])}
        check(53 in egress_ports, f"NetworkPolicy {np['metadata']['name']}: no DNS egress")
        check(5432 in egress_ports, f"NetworkPolicy {np['metadata']['name']}: no PostgreSQL egress")
        if component(np) == "api":
            ing = sp.get("ingress", [])
            check(bool(ing) and all([p["port"] for p in r.get("ports", [])] == [8080] for r in ing),
                  "api NetworkPolicy admits traffic other than port 8080")
        else:
            check(not sp.get("ingress"), f"NetworkPolicy {np['metadata']['name']} admits ingress to pods without a port")

    if a.profile == "trial":
        secrets = by_kind(docs, "Secret")
        check(any(not is_hook(s) for s in secrets) and any(is_hook(s) for s in secrets),
              "trial (secrets.create): expected the chart's Secret and the migration's hook copy")

    # NOTES.txt tells the truth about the first password: the line the api prints.
    startup = open(os.path.join(a.repo, "services/api/src/startup.rs")).read()
    m = re.search(r'"\\n  (First start): created user `\{username\}` with password', startup)
    check(m is not None, "services/api/src/startup.rs no longer prints 'First start: created user `…` with password': update NOTES.txt")
    check("grep 'First start'" in notes and "city_admin" in notes and "bootstrap_password" in notes,
          "NOTES.txt does not explain the first sign-in (bootstrap_password or the 'First start' line)")

    # The real binaries accept the configuration the chart gives them.
    results = []
    if runs:
        with concurrent.futures.ThreadPoolExecutor(len(runs)) as ex:
            results = list(ex.map(lambda r: start_with_env(*r), runs))

    print(f"  {a.profile}: {len(docs)} objects ({', '.join(kinds)}); "
          f"{len(set(re.findall(r'HOTLINE_[A-Z0-9_]+', text)))} HOTLINE_* names, all known; "
          + ("binaries accept the configuration: " + ", ".join(f"{w} (exit {rc}: stopped at the fake database)" for w, rc, ok in results if ok) if results else "binaries not run"))


# ---------------------------------------------------------------------------------------------

def dockerignore_excludes(patterns, path):
    """Docker's rule: the last matching pattern wins; a pattern also matches a path's parents."""
    excluded = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pat in patterns:
        neg = pat.startswith("!")
        p = pat[1:] if neg else pat
        p = p.strip("/")
        if p.startswith("**/"):
            hit = any(fnmatch.fnmatch(x.split("/")[-1], p[3:]) or fnmatch.fnmatch(x, p[3:]) for x in prefixes)
        else:
            hit = any(fnmatch.fnmatchcase(x, p) and x.count("/") == p.count("/") for x in prefixes)
        if hit:
            excluded = not neg
    return excluded


def check_dockerfile(a):
    from dockerfile_parse import DockerfileParser

    known = known_env(a.keys)
    root = a.repo
    dfp = DockerfileParser(path=os.path.join(root, "Dockerfile"))
    ins = dfp.structure
    froms = [i["value"].split() for i in ins if i["instruction"] == "FROM"]
    check(len(froms) >= 2, "Dockerfile is not multi-stage")
    check(froms[0][0] == "rust:1.95-bookworm", f"builder image is {froms[0][0]}, expected rust:1.95-bookworm")
    stage_names = {f[2] for f in froms if len(f) >= 3 and f[1].upper() == "AS"}
    for f in froms:
        image = f[0]
        name, _, tag = image.partition("@")[0].rpartition(":") if ":" in image.partition("@")[0] else (image, "", "")
        pinned = "@sha256:" in image or (tag and tag != "latest" and (re.search(r"\d", tag) or re.match(r"(bookworm|trixie|bullseye)", tag)))
        check(bool(pinned), f"base image {image} is not pinned (explicit version or Debian release tag, or a digest)")
    release = {re.search(r"(bookworm|trixie|bullseye)", f[0]).group(1) if re.search(r"(bookworm|trixie|bullseye)", f[0]) else None for f in froms}
    check(len(release) == 1 and None not in release, f"builder and runtime are not the same Debian release ({release}): the binaries need the builder's glibc")

    # The binaries the workspace builds: [[bin]] names, else the package name (services/*/Cargo.toml).
    bins = set()
    for svc in sorted(os.listdir(os.path.join(root, "services"))):
        manifest = os.path.join(root, "services", svc, "Cargo.toml")
        if not os.path.exists(manifest):
            continue
        t = tomllib.load(open(manifest, "rb"))
        if "bin" in t:
            bins |= {b["name"] for b in t["bin"]}
        elif os.path.exists(os.path.join(root, "services", svc, "src", "main.rs")):
            bins.add(t["package"]["name"])
    check(bins == {"hotline-api", "hotline-worker"}, f"services/*/Cargo.toml build {sorted(bins)}; the Dockerfile and chart expect hotline-api and hotline-worker")

    runs = [i["value"] for i in ins if i["instruction"] == "RUN"]
    build = [r for r in runs if "cargo build" in r]
    if check(len(build) == 1, "expected one RUN with cargo build"):
        b = build[0]
        check("--release" in b and "--locked" in b, "cargo build is not --release --locked")
        for n in bins:
            check(f"-p {n}" in b, f"cargo build does not build -p {n}")
    copies = [i["value"].split() for i in ins if i["instruction"] == "COPY" and "--from=" in i["value"]]
    copied = {}
    for cp in copies:
        srcs, dest = [x for x in cp[:-1] if not x.startswith("--")], cp[-1]
        check(any(x.split("=", 1)[1] in stage_names for x in cp if x.startswith("--from=")), f"COPY {cp} is not from a named stage")
        for s in srcs:
            copied[os.path.basename(s)] = os.path.join(dest, os.path.basename(s)) if dest.endswith("/") else dest
    check(set(copied) == bins, f"runtime stage copies {sorted(copied)}, expected {sorted(bins)}")

    users = [i["value"].strip() for i in ins if i["instruction"] == "USER"]
    if check(bool(users), "no USER: the container would run as root"):
        u = users[-1].split(":")[0]
        check(u.isdigit() and int(u) == 10001, f"USER is {users[-1]}: expected the numeric non-root 10001 the chart's runAsUser names")
    exposed = [i["value"].split() for i in ins if i["instruction"] == "EXPOSE"]
    env = dfp.envs
    rendered = load_docs(a.rendered)
    api = [d for d in rendered if d.get("kind") == "Deployment" and component(d) == "api"][0]
    c = pod_spec(api)["containers"][0]
    port = [p["containerPort"] for p in c["ports"] if p["name"] == "http"][0]
    check([str(port)] in [[p.split("/")[0] for p in e] for e in exposed], f"EXPOSE {exposed} does not match the chart's containerPort {port}")
    check(env.get("HOTLINE_BIND") == f"0.0.0.0:{port}", f"ENV HOTLINE_BIND is {env.get('HOTLINE_BIND')}")
    check(env.get("HOTLINE_DATABASE_URL") == "sqlite:///data/hotline.db", f"ENV HOTLINE_DATABASE_URL is {env.get('HOTLINE_DATABASE_URL')}")
    for k in env:
        check(not k.startswith("HOTLINE_") or k in known, f"Dockerfile ENV {k} is not a configuration key")
    vols = " ".join(i["value"] for i in ins if i["instruction"] == "VOLUME")
    check("/data" in vols, "no VOLUME /data for the SQLite default")
    entry = [i["value"] for i in ins if i["instruction"] == "ENTRYPOINT"]
    if check(bool(entry), "no ENTRYPOINT"):
        import json
        ep = json.loads(entry[-1])
        check(ep[-1] == copied.get("hotline-api"), f"ENTRYPOINT {ep} does not end with {copied.get('hotline-api')}")
        check(ep[0] == "/usr/bin/tini" and "tini" in " ".join(runs), "ENTRYPOINT does not start with the installed tini")
    worker = [d for d in rendered if d.get("kind") == "Deployment" and component(d) == "worker"]
    if worker:
        cmd = pod_spec(worker[0])["containers"][0]["command"]
        check(cmd[-1] == copied.get("hotline-worker") and cmd[0] == "/usr/bin/tini", f"chart worker command {cmd} does not match the image's paths")

    # .dockerignore keeps what cargo needs for the workspace.
    patterns = [l.strip() for l in open(os.path.join(root, ".dockerignore")) if l.strip() and not l.startswith("#")]
    ws = tomllib.load(open(os.path.join(root, "Cargo.toml"), "rb"))["workspace"]["members"]
    needed = ["Cargo.toml", "Cargo.lock", "services/api/console/static", "services/api/console/vendor"]
    for m in ws:
        needed += [f"{m}/Cargo.toml", f"{m}/src"]
        t = tomllib.load(open(os.path.join(root, m, "Cargo.toml"), "rb"))
        needed += [f"{m}/benches/{b['name']}.rs" for b in t.get("bench", [])]
    for n in needed:
        check(not dockerignore_excludes(patterns, n), f".dockerignore excludes {n}, which the build needs")
    check(dockerignore_excludes(patterns, ".git") and dockerignore_excludes(patterns, "target"), ".dockerignore keeps .git or target in the context")

    print(f"  Dockerfile: stages {' -> '.join(f[0] for f in froms)}; copies {', '.join(sorted(copied))}; "
          f"USER {users[-1] if users else '?'}; EXPOSE {port}; ENTRYPOINT {entry[-1] if entry else '?'}")


def copy_context(a):
    """Copies the Docker build context (the repository minus .dockerignore) to DEST, so cargo
    can be pointed at exactly what `docker build .` would send."""
    import shutil

    root = os.path.abspath(a.repo)
    patterns = [l.strip() for l in open(os.path.join(root, ".dockerignore")) if l.strip() and not l.startswith("#")]
    shutil.rmtree(a.dest, ignore_errors=True)
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir
        # Skip whole trees that are excluded and hold no exception.
        dirnames[:] = [d for d in dirnames if not (d in (".git", "target") and rel_dir == "")]
        for f in filenames:
            rel = os.path.join(rel_dir, f) if rel_dir else f
            if dockerignore_excludes(patterns, rel):
                continue
            os.makedirs(os.path.join(a.dest, rel_dir), exist_ok=True)
            shutil.copy2(os.path.join(root, rel), os.path.join(a.dest, rel))
            n += 1
    print(f"  build context: {n} files in {a.dest}")


def live(a):
    """The rendered default install run for real on this machine, against a scratch database
    on a running PostgreSQL and a Redis key prefix: the migration Job's environment and
    command, then the api's (until /readyz answers 200 and the printed first password signs
    in), then the worker's, under tini as PID 1 of its own PID namespace as in the container,
    with its liveness probe run inside that namespace and a SIGTERM at the end. Processes run
    as uid 10001. Secrets are test values; the api binds a free loopback port instead of
    0.0.0.0:8080, the only change to the rendered environment."""
    import json
    import shutil
    import signal
    import socket
    import tempfile
    import time
    import urllib.request

    docs = load_docs(a.rendered)
    cms = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind(docs, "ConfigMap")}
    first = lambda kind, comp: pod_spec([d for d in by_kind(docs, kind) if component(d) == comp][0])["containers"][0]
    db = f"hotline_helm_{os.getpid()}"
    prefix = f"helmcheck{os.getpid()}:"
    secrets = {
        "HOTLINE_DATABASE_URL": a.database_admin_url.rsplit("/", 1)[0] + "/" + db,
        "HOTLINE_REDIS_URL": a.redis_url,
        "HOTLINE_JWT_KEYS": "k1:" + "j" * 40,
        "HOTLINE_PII_KEY": "p" * 40,
    }

    def env_of(c, configmaps):
        env = {"PATH": "/usr/bin:/bin"}
        for k, (kind, v) in container_env(c, configmaps).items():
            if kind == "value":
                env[k] = v
            elif k in secrets:
                env[k] = secrets[k]
        env["HOTLINE_KV_PREFIX"] = prefix
        return env

    bins = tempfile.mkdtemp(prefix="hotline-helm-bin-")
    for b in (a.api_bin, a.worker_bin):
        shutil.copy2(b, bins)
    os.chmod(bins, 0o755)
    api_bin, worker_bin = os.path.join(bins, os.path.basename(a.api_bin)), os.path.join(bins, os.path.basename(a.worker_bin))
    as_user = ["setpriv", "--reuid", "10001", "--regid", "10001", "--clear-groups"]
    psql = ["psql", a.database_admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc"]
    subprocess.run(psql + [f"CREATE DATABASE {db}"], check=True)
    procs = []
    pid1 = None
    try:
        job = first("Job", "migrate")
        p = subprocess.run(as_user + [api_bin] + job["args"], env=env_of(job, {}), cwd="/", capture_output=True, text=True, timeout=300)
        check(p.returncode == 0 and "migrations applied" in p.stdout, f"live: the migration Job's command failed: {p.returncode} {p.stdout} {p.stderr[-500:]}")
        print(f"  migration Job: `hotline-api {' '.join(job['args'])}` -> {p.stdout.strip()}")

        api = first("Deployment", "api")
        env = env_of(api, cms)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        env["HOTLINE_BIND"] = f"127.0.0.1:{port}"
        out = tempfile.TemporaryFile("w+")
        err = tempfile.TemporaryFile("w+")
        ap = subprocess.Popen(as_user + [api_bin] + api["args"], env=env, cwd="/", stdout=out, stderr=err)
        procs.append(ap)
        ready = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{api['readinessProbe']['httpGet']['path']}", timeout=2) as r:
                    ready = (r.status, json.loads(r.read()))
                    break
            except Exception:
                if ap.poll() is not None:
                    break
                time.sleep(0.5)
        check(ready is not None and ready[0] == 200, f"live: the api never became ready (exit {ap.poll()})")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{api['livenessProbe']['httpGet']['path']}", timeout=2) as r:
            check(r.status == 200, "live: /healthz did not answer 200")
        out.seek(0)
        # One line per officer (三员分立: city_admin, security_admin, auditor).
        lines = [l for l in out.read().splitlines() if "First start" in l and "`city_admin`" in l]
        check(len(lines) == 1, "live: the api did not print the 'First start' line of city_admin NOTES.txt tells operators to look for")
        password = lines[0].split("password: ", 1)[1].strip() if lines else ""
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", data=json.dumps({"username": "city_admin", "password": password}).encode(), headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            # Production asks administrators for a second factor: the password step answers with
            # the challenge (mfa_token) until city_admin has enrolled.
            body = r.read().decode()
            check(r.status == 200 and ("access_token" in body or "mfa_token" in body), "live: city_admin cannot sign in with the printed password")
        err.seek(0)
        logs = err.read().splitlines()
        check(logs and all(l.startswith("{") for l in logs), "live: the api's log lines are not all JSON (log_format=json)")
        print(f"  api: /readyz {ready[0] if ready else '-'} {ready[1] if ready else ''}; 'First start' line on stdout; city_admin signs in with it; {len(logs)} log lines, all JSON")

        w = first("Deployment", "worker")
        wp = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc"] + as_user + w["command"][:-1] + [worker_bin],
                              env=env_of(w, cms), cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(wp)
        for _ in range(40):
            time.sleep(0.25)
            pid1 = _namespace_init(wp.pid)
            if pid1:
                break
        if check(pid1 is not None, "live: the worker's PID namespace was not found"):
            comm = open(f"/proc/{pid1}/comm").read().strip()
            time.sleep(3)
            probe = subprocess.run(["nsenter", "-t", str(pid1), "-p", "-m"] + w["livenessProbe"]["exec"]["command"], capture_output=True)
            check(probe.returncode == 0, f"live: the worker's liveness probe fails while it runs ({probe.returncode})")
            os.kill(pid1, signal.SIGTERM)
            t0 = time.time()
            try:
                wp.wait(timeout=10)
                stopped = f"stopped {time.time() - t0:.1f} s after SIGTERM to PID 1 ({comm})"
            except subprocess.TimeoutExpired:
                stopped = None
            check(stopped is not None, f"live: the worker ignored SIGTERM to PID 1 ({comm})")
            print(f"  worker: PID 1 = {comm}; liveness probe passes inside its namespace; {stopped or 'still running 10 s after SIGTERM'}")

        ap.send_signal(signal.SIGTERM)
        t0 = time.time()
        ap.wait(timeout=40)
        check(ap.returncode == 0, f"live: the api exited {ap.returncode} on SIGTERM")
        print(f"  api: exit {ap.returncode} {time.time() - t0:.1f} s after SIGTERM")
    finally:
        if pid1:
            # Killing unshare does not end its namespace: its PID 1 must go itself.
            try:
                os.kill(pid1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        time.sleep(0.5)
        subprocess.run(psql + [f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=False)
        keys = subprocess.run(["redis-cli", "-u", a.redis_url, "--scan", "--pattern", prefix + "*"], capture_output=True, text=True).stdout.split()
        if keys:
            subprocess.run(["redis-cli", "-u", a.redis_url, "del"] + keys, capture_output=True)
        shutil.rmtree(bins, ignore_errors=True)


def _status(pid) -> str:
    try:
        return open(f"/proc/{pid}/status").read()
    except OSError:
        return ""


def _namespace_init(ancestor: int):
    """The process below `ancestor` that is PID 1 of its own PID namespace (unshare's child)."""
    for pid in [int(x) for x in os.listdir("/proc") if x.isdigit()]:
        st = _status(pid)
        if not re.search(r"^NSpid:\s+\d+\s+1$", st, re.M):
            continue
        p, seen = pid, 0
        while p > 1 and seen < 64:
            m = re.search(r"^PPid:\s+(\d+)$", _status(p), re.M)
            p = int(m.group(1)) if m else 0
            seen += 1
            if p == ancestor:
                return pid
    return None


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    c = sub.add_parser("chart")
    c.add_argument("rendered")
    c.add_argument("notes")
    c.add_argument("--keys", required=True)
    c.add_argument("--profile", required=True, choices=["default", "production", "trial"])
    c.add_argument("--repo", required=True)
    c.add_argument("--api-bin")
    c.add_argument("--worker-bin")
    d = sub.add_parser("dockerfile")
    d.add_argument("--repo", required=True)
    d.add_argument("--rendered", required=True)
    d.add_argument("--keys", required=True)
    l = sub.add_parser("live")
    l.add_argument("--rendered", required=True)
    l.add_argument("--api-bin", required=True)
    l.add_argument("--worker-bin", required=True)
    l.add_argument("--database-admin-url", required=True)
    l.add_argument("--redis-url", required=True)
    x = sub.add_parser("context")
    x.add_argument("--repo", required=True)
    x.add_argument("--dest", required=True)
    a = p.parse_args()
    {"chart": check_chart, "dockerfile": check_dockerfile, "context": copy_context, "live": live}[a.what](a)
    if FAILURES:
        for f in dict.fromkeys(FAILURES):
            print(f"  FAIL {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
