"""The fast path reads exactly what the C loader reads: the same documents (types included) for every YAML
file of the test suite and the examples, and the same lint report (findings, positions, parse errors)
with it as without it. tests/fuzz/reader.py searches for inputs on which the two would differ."""

from __future__ import annotations

import json

from mlopsgen.kube import fastread
from tests.conftest import ROOT
from tests.fuzz.reader import exact, pyyaml_documents

CORPUS = sorted(p for folder in ("tests", "examples") for p in (ROOT / folder).rglob("*.y*ml") if p.is_file())
LINTED = ["tests/lint/repos", "tests/lint/fixtures", "tests/golden", "examples", "tests/cases"]


def test_every_file_of_the_suite_reads_the_same_either_way():
    assert fastread._parser() is not None, "fastyaml-rs is a dependency: the fast path must be there to test"
    fast = 0
    for path in CORPUS:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        documents = fastread.fast_documents(text, pyyaml_documents)
        if documents is not None:
            fast += 1
            slow = pyyaml_documents(text)
            assert slow is not None and exact(documents) == exact(slow), path
    assert fast > len(CORPUS) // 2  # the fast path is the common one, not a corner


def lint_report(run_cli, monkeypatch) -> dict:
    monkeypatch.chdir(ROOT)
    result = run_cli("lint", "--format", "json", *LINTED)
    return json.loads(result.stdout)


def test_lint_reports_the_same_with_and_without_the_fast_path(run_cli, monkeypatch):
    with_fast = lint_report(run_cli, monkeypatch)
    monkeypatch.setattr(fastread, "_MODULE", [None])
    without = lint_report(run_cli, monkeypatch)
    assert with_fast["findings"], "the corpus has findings to compare"
    assert any(f["rule"] == "parse-error" for f in with_fast["findings"]), "and refusals"
    assert with_fast == without


def test_the_fast_path_leaves_yaml_1_1_readings_to_the_c_loader():
    # each is read differently by YAML 1.2: the fast path returns the C loader's reading, or None (the
    # C loader then reads the whole text)
    for text, expected in [("on: yes\n", [{True: True}]), ("mode: 0755\n", [{"mode": 493}]),
                           ("- 8080:80\n", [[484880]]), ("a: 1e3\n", [{"a": "1e3"}]),
                           ("a: 1\n---\nb: off\n", [{"a": 1}, {"b": False}])]:
        assert fastread.fast_documents(text, pyyaml_documents) in (None, expected), text


def test_a_stream_is_read_in_one_pass_only_where_each_document_would_pass(monkeypatch):
    calls: list[str] = []
    read_one = fastread._fast
    monkeypatch.setattr(fastread, "_fast", lambda text: calls.append(text) or read_one(text))
    plain = "# a header\n---\na: 1\n---\nb: [x, y]\n"
    assert fastread.fast_documents(plain, pyyaml_documents) == [{"a": 1}, {"b": ["x", "y"]}]
    assert calls == [plain], "plain documents: the whole stream in one pass"
    # each of these has a document the whole-stream pass cannot vouch for at its edges: every document is
    # then judged on its own, and what the fast path cannot read goes to the C loader
    for text in ("a: |\n---\nb: 1\n",  # a block scalar ending its document
                 "a: 1\n--- |\n  text\n",  # a block scalar as a whole document
                 "a: 1\r\n---\r\nb: 1\r\n"):  # CR LF line breaks
        calls.clear()
        documents = fastread.fast_documents(text, pyyaml_documents)
        assert text not in calls, text
        assert documents is None or exact(documents) == exact(pyyaml_documents(text)), text
