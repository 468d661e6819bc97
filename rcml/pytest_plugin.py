"""pytest plugin: rehearse calls in an app's own test suite.

Installed with rcml (entry point ``pytest11``), it gives every test the ``rehearse``
fixture::

    def test_sales_branch(rehearse):
        call = rehearse("myapp.web:app", {"call": {"url": "/ivr/main"},
                                          "gather": [{"digits": "1"}]})
        assert call.heard("sales")
        assert call.requests_to("/ivr/sales")

The fixture takes the arguments of :func:`rcml.rehearse`, plus ``check=True``: when the
call does not go as the script expected, the test fails with the reasons and the whole
transcript. Recordings go to the test's ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rcml._rehearse import Rehearsal

__all__ = ["rehearse"]


@pytest.fixture
def rehearse(tmp_path: Path) -> Callable[..., Rehearsal]:
    """Run :func:`rcml.rehearse`; fail the test with the transcript if the call went
    other than the script expected (``check=False`` to inspect a failing call)."""

    def run(target: Any, caller: Any = None, *, check: bool = True, **options: Any) -> Rehearsal:
        # Imported here: pytest loads this plugin in every session of a project that has
        # rcml installed, and most tests never rehearse.
        from rcml._rehearse import rehearse as _rehearse

        options.setdefault("recordings_dir", tmp_path / "recordings")
        result = _rehearse(target, caller, **options)
        if check:
            result.check()
        return result

    return run
