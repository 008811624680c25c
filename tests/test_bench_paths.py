"""Benchmarks take their paths from options or the environment, never from one machine's
folders: a default that names an absolute path works on the machine it was written on
and fails, or writes somewhere surprising, on every other."""
from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _absolute_defaults(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every absolute path written into an `add_argument(default=...)`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
            for kw in node.keywords:
                if kw.arg != "default":
                    continue
                for part in ast.walk(kw.value):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str) \
                            and part.value.startswith("/"):
                        found.append((part.lineno, part.value))
    return found


def test_no_benchmark_option_defaults_to_an_absolute_path():
    scripts = sorted(BENCH.glob("*.py"))
    assert len(scripts) >= 5
    offenders = [f"{p.name}:{line}: {text}" for p in scripts
                 for line, text in _absolute_defaults(ast.parse(p.read_text("utf-8")))]
    assert offenders == []


def test_the_check_sees_an_absolute_default():
    tree = ast.parse('ap.add_argument("--work", default=Path("/srv/x") / "y")')
    assert _absolute_defaults(tree) == [(1, "/srv/x")]
