"""What an editor shows for `mlopsgen init`'s starter, asked of the real yaml-language-server over LSP.

The starter's modeline points the server at the schema `init` writes beside it;
nothing else configures the schema, as in a user's editor.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import require
from tests.support.lsp import LanguageServer, install

pytestmark = pytest.mark.slow  # drives the real yaml-language-server

MODELINE = "# yaml-language-server: $schema=platform.schema.json"


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    from click.testing import CliRunner

    from mlopsgen.cli import cli

    directory = tmp_path_factory.mktemp("editor") / "my-platform"
    result = CliRunner().invoke(cli, ["init", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def server(starter):
    path, reason = install()
    require(path is not None, f"yaml-language-server is not available: {reason}")
    language_server = LanguageServer(path, starter)
    yield language_server
    language_server.close()


@pytest.fixture(scope="module")
def schema(starter) -> dict:
    return json.loads((starter / "platform.schema.json").read_text())


def _open(server: LanguageServer, starter, name: str, text: str) -> tuple[str, list[dict]]:
    """Open a variant of the starter beside it (the modeline is relative) and wait for its diagnostics."""
    path = starter / name
    path.write_text(text)
    since = len(server.notifications)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "yaml", "version": 1,
                                                            "text": text}})
    return path.as_uri(), server.diagnostics(path.as_uri(), since)


def _line_of(text: str, line: str) -> int:
    return text.splitlines().index(line)


def test_the_starter_has_the_modeline_and_no_diagnostics(server, starter):
    text = (starter / "platform.yaml").read_text()
    assert text.splitlines()[0] == MODELINE
    _, diagnostics = _open(server, starter, "as-written.yaml", text)
    assert diagnostics == []


def test_a_misspelt_key_and_a_wrong_enum_are_flagged_on_their_lines(server, starter):
    text = (starter / "platform.yaml").read_text()
    text = text.replace("  revision: main\n", "  revison: main\n").replace("    role: shared\n", "    role: sharde\n")
    _, diagnostics = _open(server, starter, "mistakes.yaml", text)
    by_line = {d["range"]["start"]["line"]: d for d in diagnostics}
    typo, enum = _line_of(text, "  revison: main"), _line_of(text, "    role: sharde")
    assert sorted(by_line) == [typo, enum]
    assert by_line[typo]["message"] == "Property revison is not allowed."
    assert by_line[typo]["range"]["start"]["character"] == 2
    assert by_line[enum]["message"] == 'Value is not accepted. Valid values: "training", "serving", "shared".'
    assert by_line[enum]["range"]["start"]["character"] == len("    role: ")


def test_a_pattern_error_shows_the_readable_message_not_the_regex(server, starter, schema):
    text = (starter / "platform.yaml").read_text().replace("  - name: ds\n", "  - name: Data_Science\n")
    _, diagnostics = _open(server, starter, "pattern.yaml", text)
    assert [d["range"]["start"]["line"] for d in diagnostics] == [_line_of(text, "  - name: Data_Science")]
    assert diagnostics[0]["message"] == schema["$defs"]["name"]["patternErrorMessage"]
    assert "^" not in diagnostics[0]["message"]


def test_completion_offers_a_teams_keys_with_their_markdown(server, starter, schema):
    text = (starter / "platform.yaml").read_text()
    lines = text.splitlines()
    at = lines.index("models:")
    lines[at:at] = ["  - name: new-team", "    "]
    uri, _ = _open(server, starter, "completion.yaml", "\n".join(lines) + "\n")
    result = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": at + 1, "character": 4}})
    items = {item["label"]: item for item in (result["items"] if isinstance(result, dict) else result)}
    team = schema["properties"]["teams"]["items"]["properties"]
    assert {"owners", "gpuPools", "quotas"} <= set(items)
    assert "name" not in items and "cluster" not in items  # present already / not a team key
    assert items["owners"]["documentation"] == {"kind": "markdown", "value": team["owners"]["markdownDescription"]}


def test_hover_shows_the_markdown_description(server, starter, schema):
    text = (starter / "platform.yaml").read_text()
    uri, _ = _open(server, starter, "hover.yaml", text)
    line = next(i for i, content in enumerate(text.splitlines()) if content.strip().startswith("owners:"))
    hover = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": line, "character": 6}})
    markdown = schema["properties"]["teams"]["items"]["properties"]["owners"]["markdownDescription"]
    assert "`edit`" in markdown
    assert hover["contents"]["kind"] == "markdown"
    assert markdown in hover["contents"]["value"].split("\n\n")  # a paragraph of its own, backticks intact
    assert "\\`" not in hover["contents"]["value"]
