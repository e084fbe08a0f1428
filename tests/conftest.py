"""Test-wide settings.

Property tests (hypothesis) draw the same examples on every run, so the suite gives the same verdict
each time — in CI and for a newcomer.  To hunt for new counterexamples with fresh random draws, run
``KERNELSIM_HYPOTHESIS=random python -m pytest tests/test_properties.py tests/test_socket_invariants.py``;
a failure found that way becomes a named regression test.

Tests read English output unless they ask for another language (--lang, KERNELSIM_LANG): a developer's
ko_KR locale must not change what the suite sees.
"""

import os

import pytest
from hypothesis import settings

os.environ["KERNELSIM_LANG"] = "en"

settings.register_profile("stable", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("KERNELSIM_HYPOTHESIS", "stable"))


@pytest.fixture
def scenario_file(tmp_path):
    """scenario_file(source, name) → the path of tmp_path/name.py holding source."""
    def make(source, name):
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        return path
    return make


@pytest.fixture
def load(scenario_file):
    """load(source, name) → that file loaded as a scenario (explorer tests)."""
    from kernelsim import scenario          # (after KERNELSIM_LANG is set above)
    return lambda source, name: scenario.load(str(scenario_file(source, name)))
