"""Charts rendered as Argo CD's repo server renders them: `helm template`, cached by what determines it.

Argo CD runs `helm template <chart> --name-template <release> --namespace <ns> --kube-version <v>
--api-versions <each> --include-crds -f <each values file> -f <inline values>` (reposerver/repository,
util/helm/cmd.go): that is what is run here, with a real helm binary (v3.8+ or v4), never a model of it.

A render is keyed by its inputs (the helm binary, the chart's content, release, namespace, values, kube
and API versions); the cache keeps, per key, the objects of the render (CRDs reduced to what is judged:
names, scope, versions, and their size), the documents helm wrote that do not parse, and whether a second
render was byte-identical. A warm run reads JSON, never helm or YAML again. Independent charts render in
parallel.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mlopsgen.atomic import write_atomic

CACHE_FORMAT = 1
# The annotation limit of client-side apply: the whole object is stored in
# kubectl.kubernetes.io/last-applied-configuration, and all annotations together may hold 262,144 bytes
# (apimachinery ValidateAnnotationsSize); larger objects need server-side apply.
ANNOTATION_LIMIT = 262_144
TIMEOUT = 120  # seconds for one `helm template`
SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


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
class Rendered:
    """What one chart render gave: objects by template, or why there are none."""

    documents: list[dict] = field(default_factory=list)  # {"source", "object", "size"}
    problems: list[dict] = field(default_factory=list)  # {"source", "line", "message"}: documents that do not parse
    unstable: list[str] = field(default_factory=list)  # templates whose output differs from one render to the next
    error: str = ""  # helm failed (or could not run): nothing of the chart is known

    def as_json(self) -> dict:
        return {"format": CACHE_FORMAT, "documents": self.documents, "problems": self.problems,
                "unstable": self.unstable, "error": self.error}


@dataclass
class Unseen:
    """A chart verify could not render, and why: its objects are not judged."""

    chart: str
    reason: str


def find_helm(explicit: str | None) -> str | None:
    """--helm, else MLOPSGEN_HELM, else `helm` on PATH."""
    candidate = explicit or os.environ.get("MLOPSGEN_HELM") or shutil.which("helm")
    return candidate if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlopsgen" / "helm"


class ChartIndex:
    """Charts at hand: folders holding Chart.yaml and `<name>-<version>.tgz` packages, in the --charts folders and
    in the cache (pulled ones); each known by its name and version as Chart.yaml says."""

    def __init__(self, folders: list[Path]):
        self.charts: dict[tuple[str, str], Path] = {}
        for folder in folders:
            if not folder.is_dir():
                continue
            for entry in sorted(folder.iterdir()):
                key = _chart_key(entry)
                if key is not None:
                    self.charts.setdefault(key, entry)

    def find(self, chart: str, version: str) -> Path | None:
        return self.charts.get((chart, version.removeprefix("v"))) or self.charts.get((chart, version))


def _chart_key(entry: Path) -> tuple[str, str] | None:
    import yaml

    if entry.is_dir() and (entry / "Chart.yaml").is_file():
        try:
            meta = yaml.safe_load((entry / "Chart.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            return None
        if isinstance(meta, dict) and meta.get("name") and meta.get("version"):
            return str(meta["name"]), str(meta["version"]).removeprefix("v")
    if entry.is_file() and entry.name.endswith(".tgz"):
        # `helm pull` writes <name>-<version>.tgz; the version starts at the first dash followed by a digit
        match = re.match(r"^(.+?)-v?(\d.*)$", entry.name[:-4])
        if match:
            return match.group(1), match.group(2)
    return None


class Renderer:
    """Renders chart sources with helm, through the cache; records what it could not render."""

    def __init__(self, helm: str | None, charts: list[Path], cache_dir: Path | None, pull: bool = False,
                 jobs: int | None = None):
        self.helm = helm
        self.cache_dir = cache_dir
        self.pull = pull
        self.jobs = jobs or min(8, os.cpu_count() or 2)
        self.index = ChartIndex([*charts, *([cache_dir / "charts"] if cache_dir else [])])
        self._digests: dict[str, str] = {}
        self._digest_file = cache_dir / "chart-digests.json" if cache_dir else None
        self._stored_digests = self._load_digests()
        self._helm_identity = _file_identity(helm) if helm else ""

    def render_all(self, requests: list[RenderRequest]) -> dict[RenderRequest, Rendered | Unseen]:
        """Every request's render, from the cache where it holds it, the others with helm in parallel."""
        results: dict[RenderRequest, Rendered | Unseen] = {}
        pending: list[tuple[RenderRequest, Path, str]] = []
        for request in dict.fromkeys(requests):
            located = self._locate(request)
            if isinstance(located, Unseen):
                results[request] = located
                continue
            key = self._key(request, located)
            cached = self._cached(key)
            if cached is not None:
                results[request] = cached
            else:
                pending.append((request, located, key))
        if pending:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                for (request, _, key), rendered in zip(pending, pool.map(lambda p: self._render(p[0], p[1]), pending),
                                                       strict=True):
                    results[request] = rendered
                    if not rendered.error:
                        self._store(key, rendered)
        self._save_digests()
        return results

    def _locate(self, request: RenderRequest) -> Path | Unseen:
        if self.helm is None:
            return Unseen(request.label, "no helm binary (install helm v3.8+, or pass --helm PATH)")
        path = self.index.find(request.chart, request.version)
        if path is None and self.pull and self.cache_dir is not None:
            path = self._pull(request)
            if isinstance(path, Unseen):
                return path
        if path is None:
            return Unseen(request.label, "chart not at hand (pass --charts DIR with the chart, or --pull to fetch it)")
        return path

    def _pull(self, request: RenderRequest) -> Path | Unseen:
        assert self.cache_dir is not None and self.helm is not None
        target = self.cache_dir / "charts"
        target.mkdir(parents=True, exist_ok=True)
        if request.repo_url.startswith(("oci://", "ghcr.io/")) or "://" not in request.repo_url:
            command = [self.helm, "pull", f"oci://{request.repo_url.removeprefix('oci://').rstrip('/')}/{request.chart}",
                       "--version", request.version, "-d", str(target)]
        else:
            command = [self.helm, "pull", request.chart, "--repo", request.repo_url, "--version", request.version,
                       "-d", str(target)]
        result = _run(command)
        if result.returncode != 0:
            return Unseen(request.label, f"helm pull failed: {_last_line(result.stderr)}")
        self.index = ChartIndex([*{p.parent for p in self.index.charts.values()}, target])
        found = self.index.find(request.chart, request.version)
        return found if found is not None else Unseen(request.label, "helm pull wrote no chart")

    def _key(self, request: RenderRequest, chart: Path) -> str:
        digest = hashlib.sha256()
        for part in (self._helm_identity, self._chart_digest(chart), request.chart, request.version, request.release,
                     request.namespace, request.kube_version, str(request.include_crds), str(request.skip_schema_validation),
                     json.dumps(request.values), json.dumps(request.parameters), json.dumps(sorted(request.api_versions))):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _chart_digest(self, chart: Path) -> str:
        """The chart's content (every file's path and bytes), computed once per set of file stats."""
        stats = _stats(chart)
        stamp = hashlib.sha256(json.dumps(stats).encode()).hexdigest()
        remembered = self._stored_digests.get(str(chart))
        if remembered and remembered[0] == stamp:
            return remembered[1]
        digest = hashlib.sha256()
        for rel, _, _ in stats:
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            digest.update((chart / rel).read_bytes() if chart.is_dir() else chart.read_bytes())
        self._stored_digests[str(chart)] = (stamp, digest.hexdigest())
        return digest.hexdigest()

    def _load_digests(self) -> dict[str, tuple[str, str]]:
        if self._digest_file is None:
            return {}
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self._digest_file.read_text(encoding="utf-8"))
            return {k: (v[0], v[1]) for k, v in data.items() if isinstance(v, list) and len(v) == 2}
        return {}

    def _save_digests(self) -> None:
        if self._digest_file is None:
            return
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
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        return Rendered(data["documents"], data["problems"], data["unstable"], data["error"])

    def _store(self, key: str, rendered: Rendered) -> None:
        if self.cache_dir is None:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written costs time, never a verdict
            folder = self.cache_dir / "renders"
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{key}.json", json.dumps(rendered.as_json(), separators=(",", ":")))

    def _render(self, request: RenderRequest, chart: Path) -> Rendered:
        """Two renders: the objects of the first, and which templates the second wrote differently."""
        with tempfile.TemporaryDirectory(prefix="mlopsgen-helm-") as tmp:
            command = self._command(request, chart, Path(tmp))
            first, second = _run(command), _run(command)
        if first.returncode != 0:
            return Rendered(error=f"helm template failed: {_last_line(first.stderr)}")
        rendered = parse_output(first.stdout)
        if second.returncode == 0 and second.stdout != first.stdout:
            before, after = _by_template(first.stdout), _by_template(second.stdout)
            rendered.unstable = sorted(s or "(no template named)" for s in before.keys() | after.keys()
                                       if before.get(s) != after.get(s))
        return rendered

    def _command(self, request: RenderRequest, chart: Path, tmp: Path) -> list[str]:
        assert self.helm is not None
        command = [self.helm, "template", request.release, str(chart), "--namespace", request.namespace]
        if request.include_crds:
            command.append("--include-crds")
        if request.kube_version:
            command += ["--kube-version", request.kube_version]
        for api in sorted(request.api_versions):
            command += ["--api-versions", api]
        if request.skip_schema_validation:
            command.append("--skip-schema-validation")
        for i, (_, text) in enumerate(request.values):
            path = tmp / f"values-{i}.yaml"
            path.write_text(text, encoding="utf-8")
            command += ["--values", str(path)]
        for name, value, force_string in request.parameters:
            command += ["--set-string" if force_string else "--set", f"{name}={value}"]
        return command


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


def _chunks(output: str) -> list[tuple[str, str]]:
    """helm's output as (template, document text), in order; a template may write several documents."""
    chunks = []
    for text in re.split(r"(?m)^---[ \t]*$\n?", output):
        match = SOURCE.search(text)
        if text.strip():
            chunks.append((match.group(1).strip() if match else "", text))
    return chunks


def _by_template(output: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for source, text in _chunks(output):
        out.setdefault(source, []).append(text)
    return out


def parse_output(output: str) -> Rendered:
    """The objects helm wrote, read as the API server reads YAML; a document that does not parse (or holds a
    key twice, which strict readers refuse and others read either way) is a problem at its template."""
    from mlopsgen.kube.bounds import bounds_problem

    rendered = Rendered()
    seen: dict[str, int] = {}
    for source, text in _chunks(output):
        seen[source] = seen.get(source, 0) + 1
        bounded = bounds_problem(text, source)
        if bounded is not None:
            rendered.problems.append({"source": source, "line": bounded.location.line, "message": bounded.message})
            continue
        try:
            data, duplicate = _load_strict(text)
        except Exception as error:  # noqa: BLE001 - any YAML error is a problem of that document
            rendered.problems.append({"source": source, "line": getattr(getattr(error, "problem_mark", None), "line", 0) + 1,
                                      "message": f"YAML error: {str(error).splitlines()[0]}"})
            continue
        if duplicate:
            rendered.problems.append({"source": source, "line": duplicate[1], "message": f"key '{duplicate[0]}' appears twice in one mapping"})
        if isinstance(data, dict) and data.get("kind"):
            for obj in (data.get("items") or []) if data.get("kind") == "List" else [data]:
                if isinstance(obj, dict):
                    rendered.documents.append({"source": source, "object": _reduced(obj),
                                               "size": len(json.dumps(obj, separators=(",", ":")))})
    return rendered


def _load_strict(text: str) -> tuple[object, tuple[str, int] | None]:
    strict = _strict_loader()(text)
    try:
        return strict.get_single_data(), strict.duplicate
    finally:
        strict.dispose()


@functools.cache
def _strict_loader() -> type:
    """Kubernetes' YAML reading (kube/yaml.py) that also notes the first key a mapping holds twice."""
    import yaml

    from mlopsgen.kube.yaml import loader

    class Strict(loader()):  # type: ignore[misc]
        duplicate: tuple[str, int] | None = None

        def construct_mapping(self, node, deep=False):  # noqa: ANN001
            keys: set = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys and self.duplicate is None:
                        self.duplicate = (key.value, key.start_mark.line + 1)
                    keys.add(key.value)
            return super().construct_mapping(node, deep)

    return Strict


def _reduced(obj: dict) -> dict:
    """A CRD as the checks read it (its schema is most of its bytes and is not judged); others whole."""
    if obj.get("kind") != "CustomResourceDefinition":
        return obj
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    versions = [{k: v.get(k) for k in ("name", "served", "storage") if k in v}
                for v in spec.get("versions") or [] if isinstance(v, dict)]
    return {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "metadata": obj.get("metadata"),
            "spec": {"group": spec.get("group"), "names": spec.get("names"), "scope": spec.get("scope"), "versions": versions}}
