"""Build hook: the wheel's lint engine compiled with mypyc, when RCML_MYPYC is set.

``RCML_MYPYC=1 pip install .`` (or ``pip wheel .``) compiles the modules every file goes
through in ``rcml lint`` into C extensions: the same source, type-checked and compiled,
about a fifth faster per document (docs/lint.md, "Speed"). Without the variable, and for
editable installs, nothing is compiled: an install needs no C compiler, and a checkout
runs its sources as they are edited.

The modules are compiled in a copy of the package, so no extension is ever left beside
the sources (where it would shadow them); the wheel takes the extensions alongside the
``.py`` files, as mypyc's own wheels do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: Every module on the path of a file through ``rcml lint``, by its path in the checkout.
COMPILED = (
    "rcml/_lint/_engine.py",
    "rcml/_lint/_runner.py",
    "rcml/_lint/_formats.py",
    "rcml/_source.py",
)

# Run in the copy: mypyc type-checks the modules (and, silently, what they import: the
# other packages the project depends on are not installed where a wheel is built).
_SETUP = """\
import sys
from setuptools import setup
from mypyc.build import mypycify

modules = sys.argv.pop(1).split(",")
setup(
    name="rcml-compiled",
    ext_modules=mypycify(
        [*modules, "--ignore-missing-imports", "--follow-imports=silent"], opt_level="3"
    ),
)
"""


def _wanted() -> bool:
    return os.environ.get("RCML_MYPYC", "") not in ("", "0")


class CompileHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        if not _wanted():
            return []
        return ["mypy>=1.10", "setuptools>=69", "types-lxml", "lxml>=5.2"]

    _work: str | None = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable" or not _wanted():
            return
        self._work = tempfile.mkdtemp(prefix="rcml-mypyc-")
        work = Path(self._work)
        shutil.copytree(
            Path(self.root, "rcml"),
            work / "rcml",
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"),
        )
        (work / "setup.py").write_text(_SETUP)
        result = subprocess.run(
            [sys.executable, "setup.py", ",".join(COMPILED), "build_ext", "--inplace"],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"mypyc could not compile the lint engine:\n{result.stdout}")
        # build_ext --inplace leaves them beside the copied sources (and copies in build/):
        # one per module, and their shared library at the top.
        built = [
            path
            for pattern in ("*.so", "*.pyd")
            for path in (*work.glob(pattern), *(work / "rcml").rglob(pattern))
        ]
        if len(built) <= len(COMPILED):
            raise RuntimeError(f"mypyc built {built}, not the lint engine")
        for path in built:
            build_data["force_include"][str(path)] = path.relative_to(work).as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
