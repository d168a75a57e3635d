"""Charts rendered as Argo CD's repo server renders them: `helm template`, cached by what determines it.

Argo CD runs `helm template <chart> --name-template <release> --namespace <ns> --kube-version <v>
--api-versions <each> --include-crds -f <each values file> -f <inline values>` (reposerver/repository,
util/helm/cmd.go): that is what is run here, with a real helm binary (v3.8+ or v4), never a model of it.

A render is keyed by its inputs (the helm binary, the chart's content, release, namespace, values, kube
and API versions); the cache keeps, per key, the objects of the render (CRDs reduced to what is judged:
names, scope, versions, conversion webhook, and their size), the documents helm wrote that do not parse, and whether a second
render was byte-identical. A warm run reads JSON, never helm or YAML again. Independent charts render in
parallel.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mlopsgen.atomic import write_atomic
from mlopsgen.verify.chart_index import ChartIndex
from mlopsgen.verify.helm_output import Rendered, by_template, parse_output

TIMEOUT = 120  # seconds for one `helm template`


@dataclass(frozen=True)
class RenderRequest:
    chart: str
    version: str
    repo_url: str
    release: str
    namespace: str
    values: tuple[tuple[str, str], ...]  # (where it comes from, YAML text) in Helm's order: later wins
    parameters: tuple[tuple[str, str, bool], ...] = ()  # helm.parameters: name, value, forceString
    include_crds: bool = True
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()
    skip_schema_validation: bool = False

    @property
    def label(self) -> str:
        return f"{self.chart} {self.version}"


@dataclass
class Unseen:
    """A chart verify could not render, and why: its objects are not judged."""

    chart: str
    reason: str


def find_helm(explicit: str | None) -> str | None:
    """--helm, else MLOPSGEN_HELM, else `helm` on PATH."""
    name = explicit or os.environ.get("MLOPSGEN_HELM") or "helm"
    candidate = name if os.sep in name else shutil.which(name)
    return candidate if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlopsgen" / "helm"


class Renderer:
    """Renders chart sources with helm, through the cache; records what it could not render."""

    def __init__(self, helm: str | None, charts: list[Path], cache_dir: Path | None, pull: bool = False,
                 jobs: int | None = None):
        self.helm = helm
        self.cache_dir = cache_dir
        self.pull = pull
        self.jobs = jobs or min(8, os.cpu_count() or 2)
        self.index = ChartIndex([*charts, *([cache_dir / "charts"] if cache_dir else [])])
        self._digests: dict[str, str] = {}  # chart path -> content digest, once per run
        self._digest_file = cache_dir / "chart-digests.json" if cache_dir else None
        self._stored_digests = self._load_digests()
        self._digests_changed = False
        self._helm_identity = _file_identity(helm) if helm else ""

    def render_all(self, requests: list[RenderRequest], twice: bool = True) -> dict[RenderRequest, Rendered | Unseen]:
        """Every request's render, from the cache where it holds it, the others with helm in parallel; `twice`
        renders each a second time to find what differs (a render only read for its CRDs needs no second)."""
        results: dict[RenderRequest, Rendered | Unseen] = {}
        pending: list[tuple[RenderRequest, Path, str]] = []
        for request in dict.fromkeys(requests):
            located = self._locate(request)
            if isinstance(located, Unseen):
                results[request] = located
                continue
            key = self._key(request, located) + ("" if twice else "-once")
            cached = self._cached(key)
            if cached is not None:
                results[request] = cached
            else:
                pending.append((request, located, key))
        too_old = self._too_old() if pending else ""
        if too_old:
            results.update({request: Unseen(request.label, too_old) for request, _, _ in pending})
            pending = []
        if pending:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                for (request, _, key), rendered in zip(pending, pool.map(lambda p: self._render(p[0], p[1], twice), pending),
                                                       strict=True):
                    results[request] = rendered
                    if not rendered.error:
                        self._store(key, rendered)
        self._save_digests()
        return results

    def _too_old(self) -> str:
        """Why the helm binary cannot render as the repo server does ('' when it can): v3.8 or later."""
        assert self.helm is not None
        result = _run([self.helm, "version", "--template={{.Version}}"])
        match = re.match(r"v(\d+)\.(\d+)", result.stdout.strip())
        if result.returncode != 0 or not match:
            return f"{self.helm} does not answer `helm version` ({_last_line(result.stderr)})"
        if (int(match.group(1)), int(match.group(2))) < (3, 8):
            return f"helm {result.stdout.strip()} is older than v3.8 (install v3.8+ or v4)"
        return ""

    def _locate(self, request: RenderRequest) -> Path | Unseen:
        if self.helm is None:
            return Unseen(request.label, "no helm binary (install helm v3.8+, or pass --helm PATH)")
        path = self.index.find(request.chart, request.version)
        if path is None and self.pull and self.cache_dir is not None:
            return self._pull(request)
        if path is None:
            return Unseen(request.label, "chart not at hand (pass --charts DIR with the chart, or --pull to fetch it)")
        return path

    def _pull(self, request: RenderRequest) -> Path | Unseen:
        assert self.cache_dir is not None and self.helm is not None
        target = self.cache_dir / "charts"
        target.mkdir(parents=True, exist_ok=True)
        if request.repo_url.startswith(("oci://", "ghcr.io/")) or "://" not in request.repo_url:
            command = [self.helm, "pull", f"--version={request.version}", f"--destination={target}", "--",
                       f"oci://{request.repo_url.removeprefix('oci://').rstrip('/')}/{request.chart}"]
        else:
            command = [self.helm, "pull", f"--repo={request.repo_url}", f"--version={request.version}",
                       f"--destination={target}", "--", request.chart]
        result = _run(command)
        if result.returncode != 0:
            return Unseen(request.label, f"helm pull failed: {_last_line(result.stderr)}")
        self.index = ChartIndex([*{p.parent for p in self.index.charts.values()}, target])
        found = self.index.find(request.chart, request.version)
        return found if found is not None else Unseen(request.label, "helm pull wrote no chart")

    def _key(self, request: RenderRequest, chart: Path) -> str:
        digest = hashlib.sha256()
        for part in (str(Rendered.FORMAT), self._helm_identity, self._chart_digest(chart), request.chart, request.version, request.release,
                     request.namespace, request.kube_version, str(request.include_crds), str(request.skip_schema_validation),
                     json.dumps([text for _, text in request.values]), json.dumps(request.parameters), json.dumps(sorted(request.api_versions))):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _chart_digest(self, chart: Path) -> str:
        """The chart's content (every file's path and bytes): its files are listed once per run, and read again
        only when their stats changed since a run stored the digest."""
        if str(chart) in self._digests:
            return self._digests[str(chart)]
        stats = _stats(chart)
        stamp = hashlib.sha256(json.dumps(stats).encode()).hexdigest()
        remembered = self._stored_digests.get(str(chart))
        if remembered and remembered[0] == stamp:
            self._digests[str(chart)] = remembered[1]
            return remembered[1]
        digest = hashlib.sha256()
        for rel, _, _ in stats:
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            digest.update((chart / rel).read_bytes() if chart.is_dir() else chart.read_bytes())
        self._stored_digests[str(chart)] = (stamp, digest.hexdigest())
        self._digests[str(chart)] = digest.hexdigest()
        self._digests_changed = True
        return digest.hexdigest()

    def _load_digests(self) -> dict[str, tuple[str, str]]:
        if self._digest_file is None:
            return {}
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self._digest_file.read_text(encoding="utf-8"))
            return {k: (v[0], v[1]) for k, v in data.items() if isinstance(v, list) and len(v) == 2}
        return {}

    def _save_digests(self) -> None:
        if self._digest_file is None or not self._digests_changed:
            return
        self._digests_changed = False
        with contextlib.suppress(OSError):
            self._digest_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._digest_file, json.dumps({k: list(v) for k, v in sorted(self._stored_digests.items())}))

    def _cached(self, key: str) -> Rendered | None:
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / "renders" / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != Rendered.FORMAT:
            return None
        return Rendered(data["documents"], data["problems"], data["unstable"], data["error"])

    def _store(self, key: str, rendered: Rendered) -> None:
        if self.cache_dir is None:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written costs time, never a verdict
            folder = self.cache_dir / "renders"
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{key}.json", json.dumps(rendered.as_json(), separators=(",", ":")))

    def _render(self, request: RenderRequest, chart: Path, twice: bool) -> Rendered:
        """The objects of a render, and which templates a second render wrote differently."""
        with tempfile.TemporaryDirectory(prefix="mlopsgen-helm-") as tmp:
            command = self._command(request, chart, Path(tmp))
            first = _run(command)
            second = _run(command) if twice and first.returncode == 0 else first
        if first.returncode != 0:
            return Rendered(error=f"helm template failed: {_last_line(first.stderr)}")
        rendered = parse_output(first.stdout)
        if second.returncode == 0 and second.stdout != first.stdout:
            before, after = by_template(first.stdout), by_template(second.stdout)
            rendered.unstable = sorted(s or "(no template named)" for s in before.keys() | after.keys()
                                       if before.get(s) != after.get(s))
        return rendered

    def _command(self, request: RenderRequest, chart: Path, tmp: Path) -> list[str]:
        assert self.helm is not None
        # Every value the tree gives is attached to its flag (`--flag=value`) and the positional arguments follow
        # `--`: a release or namespace named like a flag stays a name.
        command = [self.helm, "template", f"--namespace={request.namespace}"]
        if request.include_crds:
            command.append("--include-crds")
        if request.kube_version:
            command.append(f"--kube-version={request.kube_version}")
        command += [f"--api-versions={api}" for api in sorted(request.api_versions)]
        if request.skip_schema_validation:
            command.append("--skip-schema-validation")
        for i, (_, text) in enumerate(request.values):
            path = tmp / f"values-{i}.yaml"
            path.write_text(text, encoding="utf-8")
            command.append(f"--values={path}")
        for name, value, force_string in request.parameters:
            command.append(f"{'--set-string' if force_string else '--set'}={name}={value}")
        return [*command, "--", request.release, str(chart)]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    # HELM_* settings of the user's shell (registry config, plugins, cache) must not change a render, and
    # a chart at hand never needs the network.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, "", f"timed out after {TIMEOUT} s")
    except OSError as error:
        return subprocess.CompletedProcess(command, 127, "", str(error))


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:400] if lines else "no message"


def _file_identity(path: str) -> str:
    stat = os.stat(path)
    return f"{os.path.realpath(path)}:{stat.st_size}:{stat.st_mtime_ns}"


def _stats(chart: Path) -> list[tuple[str, int, int]]:
    if chart.is_file():
        stat = chart.stat()
        return [(chart.name, stat.st_size, stat.st_mtime_ns)]
    out = []
    for folder, dirs, files in os.walk(chart):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            stat = os.stat(path)
            out.append((os.path.relpath(path, chart), stat.st_size, stat.st_mtime_ns))
    return out
