"""The cheap first looks rules take before the exact ones may only ever say "maybe" where the exact one matches."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopsgen.kube.manifest import ManifestFile, parsed
from mlopsgen.kube.walk import strings_under, walk_strings
from mlopsgen.lint.rules import credentials_in_uri, static_ip

# The first look as it reads: the led form in static_ip.py must say the same of every text.
STATIC_IP_AS_WRITTEN = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d|::|(?:[0-9A-Fa-f]{0,4}:){7}")
_near_addresses = st.text(alphabet="0123456789abcdefABCDEFgG.:/@ x\n\x00", max_size=40)


@settings(max_examples=3000, deadline=None)
@given(_near_addresses)
def test_the_led_address_look_says_what_the_written_one_says(text: str) -> None:
    assert bool(static_ip.CANDIDATE.search(text)) == bool(STATIC_IP_AS_WRITTEN.search(text))


_values = st.one_of(_near_addresses, st.sampled_from(["10.0.0.1", "fe80::1", "http://u:p@h", "a\\x31", "1.2.3.4/8"]))
_documents = st.recursive(_values, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.sampled_from(["a", "image", "tag", "b"]), inner, max_size=3)),
                          max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(_documents, st.sampled_from(["plain", '"', "'", "|", ">"]))
def test_a_file_may_hold_what_any_of_its_strings_holds(data, style: str) -> None:
    text = yaml.safe_dump({"x": data}, default_style=None if style == "plain" else style, allow_unicode=True, width=20)
    file = parsed(Path("f.yaml"), "f.yaml", text)
    assert isinstance(file, ManifestFile)
    strings = [value for doc in file.documents for _, value in walk_strings(doc)]
    for pattern in (static_ip.CANDIDATE, credentials_in_uri.FIRST_LOOK):
        if any(pattern.search(value) for value in strings):
            assert file.may_contain(pattern), (pattern.pattern, text)
    for check in (credentials_in_uri.URI_CREDENTIALS,):
        if any(check.search(value) for value in strings):
            assert file.may_contain(credentials_in_uri.FIRST_LOOK), text


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_strings_under_keys_are_the_walk_s_strings_under_those_keys(data) -> None:
    keys = frozenset({"image", "tag"})
    expected = sorted((p, v) for p, v in walk_strings(data) if p and p[-1] in keys)
    assert sorted(strings_under(data, keys)) == expected
