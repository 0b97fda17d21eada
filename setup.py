"""The reader's per-row modules compiled to C with mypyc, when that can be done.

A first sync of a big sheet spends nearly all its time in these modules, once per
row (README, "Performance"). Compiled, the same source reads about a sixth
faster. The compiled modules sit beside their sources; where mypyc or a C
compiler is missing, or LEADSYNC_PURE_PYTHON=1, the package is plain Python and
reads exactly the same. ``leadsync.native`` tells which modules are compiled, and
which were edited since (tests refuse to run on a stale build).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
# leadsync/native.py names the modules; it imports nothing of the package.
_spec = importlib.util.spec_from_file_location(
    "native", ROOT / "src" / "leadsync" / "native.py"
)
assert _spec is not None and _spec.loader is not None
native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(native)


class BuildNative(build_ext):
    """Compiles the modules, or leaves the package pure when compiling fails,
    and records the digest of each source it compiled (``RECORD``)."""

    def run(self) -> None:
        folder = ROOT / "src" if self.inplace else Path(self.build_lib)
        # An earlier build's files would shadow the sources whatever comes next
        # (a pure build, a failed one, a module no longer listed): gone first.
        _remove_compiled(folder)
        if not self.extensions:
            return  # pure Python: no record, nothing is compiled
        try:
            super().run()
        except Exception as exc:  # no C compiler, no Python headers
            self.warn(f"mypyc build failed, leadsync stays pure Python: {exc}")
            _remove_compiled(folder)
            return
        record = native.source_digests(ROOT / "src")
        target = folder / "leadsync" / native.RECORD
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def _remove_compiled(folder: Path) -> None:
    """The compiled modules, mypyc's shared library and the record in ``folder``."""
    package = folder / "leadsync"
    for path in [*folder.glob("*__mypyc*"), *package.rglob("*")]:
        if path.suffix in (".so", ".pyd"):
            path.unlink()
    (package / native.RECORD).unlink(missing_ok=True)


def native_extensions() -> list[object]:
    if os.environ.get("LEADSYNC_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    paths = [str(native.source_file(Path("src"), name)) for name in native.MODULES]
    try:
        return list(mypycify(["--ignore-missing-imports", *paths], opt_level="3"))
    except (Exception, SystemExit) as exc:  # mypy found errors: another version
        sys.stderr.write(f"mypyc failed ({exc}): leadsync stays pure Python\n")
        return []


setup(ext_modules=native_extensions(), cmdclass={"build_ext": BuildNative})
