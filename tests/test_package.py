"""The public surface: exports, typing marker, import boundaries."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import rcml


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(rcml) if not name.startswith("_")}
    # Public subpackages (rcml.templates, rcml.integrations) are imported on demand, so
    # that `import rcml` needs neither Jinja nor a web framework; __all__ leaves them out.
    modules = {n for n in public if isinstance(getattr(rcml, n), types.ModuleType)}
    assert set(rcml.__all__) == public - modules - {"annotations"}


def test_py_typed_and_schema_ship_with_the_package() -> None:
    package = Path(rcml.__file__).parent
    assert (package / "py.typed").is_file()
    assert rcml.schema_path().is_file()


def test_importing_rcml_does_not_import_click_or_xmlschema() -> None:
    code = "import sys, rcml; print('click' in sys.modules, 'xmlschema' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert done.stdout.split() == ["False", "False"]
