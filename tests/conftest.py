from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


# CI must not fail on an example nobody saw locally: there, Hypothesis runs a fixed,
# derandomized set of examples. Locally it explores new ones on every run.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _speech_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Synthesised speech goes to a cache of this run, not the user's ~/.cache.
    os.environ.setdefault("RCML_CACHE_DIR", str(tmp_path_factory.mktemp("speech-cache")))
