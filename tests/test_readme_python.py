"""The README's Python examples run as printed, against an index of the bundled corpus.

Every fenced ```python block of README.md is executed, in order and in one
namespace (a later block may use what an earlier one defined), in a temporary
directory holding a copy of `corpus/` and an index of it at `index/`: the
relative paths the README uses are those of a user who followed the quick start.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from search.indexing import index_paths

PROJECT = Path(__file__).resolve().parent.parent
_PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(readme: Path) -> list[tuple[int, str]]:
    """(line number, code) of every fenced python block."""
    text = readme.read_text("utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in _PYTHON_BLOCK.finditer(text)]


def run_python_blocks(readme: Path, workdir: Path) -> list[str]:
    """Run the blocks in `workdir` (with corpus/ and index/ made there); their outputs."""
    shutil.copytree(PROJECT / "corpus", workdir / "corpus")
    index_paths(workdir / "index", [workdir / "corpus"])
    namespace: dict[str, object] = {"__name__": "__readme__"}
    outputs = []
    old = Path.cwd()
    os.chdir(workdir)
    try:
        for line, code in python_blocks(readme):
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(code, f"{readme.name}:{line}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(f"the README's python block at line {line} failed: "
                                     f"{type(exc).__name__}: {exc}") from exc
            outputs.append(out.getvalue())
    finally:
        os.chdir(old)
    return outputs


def test_readme_python_examples_run(tmp_path):
    blocks = python_blocks(PROJECT / "README.md")
    assert blocks, "README.md has no ```python block"
    outputs = run_python_blocks(PROJECT / "README.md", tmp_path)
    assert all(out.strip() for out in outputs), "every example prints what it shows"


@pytest.mark.parametrize("code", ["raise ValueError('broken example')"])
def test_a_failing_block_names_its_line(tmp_path, code):
    readme = tmp_path / "README.md"
    readme.write_text(f"# t\n\ntext\n\n```python\n{code}\n```\n", "utf-8")
    with pytest.raises(AssertionError, match="line 6 failed: ValueError: broken example"):
        run_python_blocks(readme, tmp_path / "work")
