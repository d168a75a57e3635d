"""A minimal LSP client for yaml-language-server, the server most editors run for YAML.

`python -m tests.support.lsp install` puts the npm package into .venv-tools/npm
(`make test` does this); the tests install it there themselves when it is missing.
"""

from __future__ import annotations

import itertools
import json
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "yaml-language-server@1.25.0"
PREFIX = ROOT / ".venv-tools" / "npm"
SERVER = PREFIX / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False},
                     "format": {"enable": False}}}


def install() -> tuple[Path | None, str]:
    """The server's entry point, or None and the reason it could not be installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "node and npm are needed for yaml-language-server"
    if not SERVER.is_file():
        PREFIX.mkdir(parents=True, exist_ok=True)
        try:
            result = subprocess.run([npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", PACKAGE],
                                    capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None, f"npm install {PACKAGE} timed out"
        if result.returncode != 0 or not SERVER.is_file():
            return None, f"npm install {PACKAGE} failed: {result.stderr.strip()[-500:]}"
    return SERVER, ""


class LanguageServer:
    """yaml-language-server over stdio; answers the server's own requests with our settings."""

    def __init__(self, server: Path, root: Path):
        self._process = subprocess.Popen([shutil.which("node"), str(server), "--stdio"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._ids = itertools.count(1)
        self._inbox: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                    "capabilities": {"textDocument": {
                                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                                        "completion": {"completionItem": {"documentationFormat": ["markdown"]}},
                                        "publishDiagnostics": {}}, "workspace": {"configuration": True}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _read(self) -> None:
        stream = self._process.stdout
        while True:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self._inbox.put(json.loads(stream.read(length)))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self._process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float = 30):
        ident = next(self._ids)
        self._send({"id": ident, "method": method, "params": params})
        while True:
            message = self._next(timeout)
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")

    def _next(self, timeout: float) -> dict:
        message = self._inbox.get(timeout=timeout)
        if "method" in message and "id" in message:  # a request from the server
            result = [SETTINGS["yaml"]] * len(message["params"].get("items", [])) \
                if message["method"] == "workspace/configuration" else None
            self._send({"id": message["id"], "result": result})
        elif "method" in message:
            self.notifications.append(message)
        return message

    def diagnostics(self, uri: str, since: int, timeout: float = 30) -> list[dict]:
        """The first diagnostics published for ``uri`` after notification number ``since``."""
        while True:
            for note in self.notifications[since:]:
                if note["method"] == "textDocument/publishDiagnostics" and note["params"]["uri"] == uri:
                    return note["params"]["diagnostics"]
            self._next(timeout)

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=5)
            self.notify("exit", {})
            self._process.wait(timeout=5)
        except Exception:  # a server that does not exit cleanly is still ended
            self._process.kill()
            self._process.wait()


if __name__ == "__main__" and sys.argv[1:] == ["install"]:
    if not SERVER.is_file():
        print(f"installing {PACKAGE} (npm) into {PREFIX.relative_to(ROOT)} for the editor test")
    path, reason = install()
    # Not fatal here: the editor test skips with this reason outside CI and fails in it.
    print(f"yaml-language-server: {path}" if path else f"yaml-language-server not installed: {reason}")
