"""The reader's compiled build (setup.py, leadsync/native.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leadsync import native
from leadsync.leads import settings_from_dict
from leadsync.leads.reader import read_sheet
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(native.__file__).with_name(native.RECORD)
PURE = os.environ.get("LEADSYNC_PURE_PYTHON") == "1"


def test_a_build_compiles_every_listed_module_or_none() -> None:
    if IN_CI and not PURE:
        # CI has a C compiler: its figures and tests are of the compiled reader.
        assert RECORD.exists()
    if RECORD.exists():
        assert native.compiled() == list(native.MODULES)
    else:
        assert native.compiled() == []


def test_a_source_edited_after_the_build_is_named_stale(tmp_path: Path) -> None:
    if not native.compiled():
        pytest.skip("this install is pure Python: nothing can be stale")
    digests = native.source_digests(RECORD.parent.parent)
    record = tmp_path / "record.json"
    record.write_text(json.dumps(digests))
    assert native.stale(record) == []

    record.write_text(json.dumps({**digests, "leadsync.leads.rows": "0" * 32}))
    assert native.stale(record) == ["leadsync.leads.rows"]

    record.write_text("{not json")
    assert native.stale(record) == list(native.MODULES)
    assert native.stale(tmp_path / "missing.json") == list(native.MODULES)


@pytest.mark.parametrize(
    "failing", ["no C compiler", "mypy refuses a module", "LEADSYNC_PURE_PYTHON=1"]
)
def test_a_build_that_cannot_compile_leaves_the_package_pure(
    tmp_path: Path, failing: str
) -> None:
    """Also when an earlier build compiled every module (copied here when this
    install is compiled): its files would shadow the sources."""
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {**os.environ, "LEADSYNC_PURE_PYTHON": ""}
    if failing == "no C compiler":
        env["CC"] = "false"
    elif failing == "mypy refuses a module":  # a stricter mypy than ours
        with open(tmp_path / "src" / "leadsync" / "leads" / "rows.py", "a") as rows:
            rows.write("\nWIDTH: int = 'wide'\n")
    else:
        env["LEADSYNC_PURE_PYTHON"] = "1"
    built = subprocess.run(
        [sys.executable, "setup.py", "--quiet", "build_ext", "--inplace"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    if failing != "LEADSYNC_PURE_PYTHON=1":
        assert "leadsync stays pure Python" in built.stderr
    assert list((tmp_path / "src").rglob("*.so")) == []
    assert not (tmp_path / "src" / "leadsync" / native.RECORD).exists()


def test_settings_from_plain_data_are_text_as_the_compiled_reader_needs() -> None:
    # A case file's numbers or nulls: the compiled reader checks that fill_down
    # holds texts and column_map maps texts to texts; pure Python did not.
    settings = settings_from_dict(
        {"fill_down": ["name", 1, None], "column_map": {"Mobile": 5}}
    )
    assert settings.fill_down == ("name", "1", "None")
    assert settings.column_map == {"Mobile": "5"}
    body = b"Name,Email,Mobile\nAna,ana@example.com,5\n,bo@example.com,6\n"
    result = read_sheet(body, settings)
    assert [lead.name for lead in result.leads] == ["Ana", "Ana"]
