"""Every ```console example of README.md, run on the bundled corpus, prints what it shows.

The convention (README authors: follow it for any example whose output you show):

- A fenced block opened with ```console is run by this test; every other block (```sh,
  ```text, ```python, ...) is an illustration and is not (the Python ones are
  tests/test_readme_python.py's).
- Each line starting with `$ ` is one `news-search ...` command: one command per line, shell
  quoting and a trailing `# comment` allowed, no pipes, redirections, `&&` or variables
  (such examples belong in a ```sh block). The lines after it, up to the next `$ ` line,
  are what it prints on stdout, exactly; stderr (summaries, notes, progress) is not shown
  and not compared. A last line `[exit N]` says the command exits N (otherwise 0).
- Each block runs in a fresh folder holding a copy of the bundled corpus as `corpus/` and
  an index of it at `./index` (the default: `news-search index corpus/`, as the Quick
  start does), with NO_COLOR set and no NEWS_SEARCH_* variables; the commands of one block
  run in order on the same folder (an `alerts add` is seen by the next line).

What is normalised, and only this (what must vary between runs and machines):
- that folder's absolute path is written `$PWD` (e.g. the roots `stats` prints);
- `...` in an expected line matches any text within that line (timings, run dates), and
  a line that is only `...` matches any number of lines (a long output shown in part);
- trailing spaces on a line and blank lines at the end of an output are ignored.
Commands run in-process through click's CliRunner: no process is needed to show output.
"""
from __future__ import annotations

import difflib
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
_EXIT = re.compile(r"^\[exit (\d+)\]$")
_SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "2>&1", "&"}
ENV = {"NO_COLOR": "1", "NEWS_SEARCH_INDEX": None, "NEWS_SEARCH_VARIANTS": None,
       "NEWS_SEARCH_DEBUG": None, "NEWS_SEARCH_CORPORA": None}


@dataclass(frozen=True)
class Example:
    """One `$ news-search ...` line of a console block and what it should print."""

    line: int  # in README.md
    command: str
    expected: tuple[str, ...]
    exit_code: int = 0

    def args(self) -> list[str]:
        words = shlex.split(self.command, comments=True)
        if not words or words[0] != "news-search":
            raise ValueError(f"README.md:{self.line}: a console example runs news-search, "
                             f"not {words[:1]}; put other commands in a ```sh block")
        bad = [w for w in words if w in _SHELL_OPERATORS]
        if bad:
            raise ValueError(f"README.md:{self.line}: {bad[0]!r} needs a shell: put this "
                             "example in a ```sh block")
        return words[1:]


@dataclass(frozen=True)
class ConsoleBlock:
    line: int  # of the opening fence
    examples: tuple[Example, ...]


def console_blocks(text: str) -> list[ConsoleBlock]:
    """The ```console blocks of a Markdown text, each as its commands and outputs."""
    blocks = []
    for m in _FENCE.finditer(text):
        if m.group(1) != "console":
            continue
        first = text.count("\n", 0, m.start(2)) + 1
        examples: list[Example] = []
        command: tuple[int, str] | None = None
        output: list[str] = []

        def close() -> None:
            if command is None:
                return
            exit_code = 0
            while output and not output[-1].strip():
                output.pop()
            if output and _EXIT.match(output[-1]):
                exit_code = int(_EXIT.match(output.pop()).group(1))
            examples.append(Example(command[0], command[1], tuple(output), exit_code))

        for i, line in enumerate(m.group(2).split("\n")[:-1]):
            if line.startswith("$ "):
                close()
                command, output = (first + i, line[2:]), []
            elif command is None:
                raise ValueError(f"README.md:{first + i}: a console block starts with a `$ ` line")
            else:
                output.append(line)
        close()
        blocks.append(ConsoleBlock(first - 1, tuple(examples)))
    return blocks


def _line_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.S) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """`expected` against `actual`, with `...` as described at the top."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _line_matches(expected[0], actual[0]) \
        and lines_match(expected[1:], actual[1:])


def normalise(output: str, folder: Path) -> list[str]:
    lines = [line.rstrip() for line in output.replace(str(folder), "$PWD").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


BLOCKS = console_blocks(README.read_text(encoding="utf-8"))


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), env=ENV, prog_name="news-search")


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_console_example(block: ConsoleBlock, tmp_path, monkeypatch):
    folder = tmp_path / "news"
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    monkeypatch.chdir(folder)
    built = _cli("index", "corpus/")  # each block's own index: its roots are in this folder
    assert built.exit_code == 0, built.output
    for example in block.examples:
        result = _cli(*example.args())
        actual = normalise(result.stdout, folder)
        where = f"README.md:{example.line}: $ {example.command}"
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            f"{where}\n{result.stderr}"
        assert result.exit_code == example.exit_code, \
            f"{where}\nexit {result.exit_code}, README says {example.exit_code}\n{result.stderr}"
        assert lines_match(list(example.expected), actual), where + "\n" + "\n".join(
            difflib.unified_diff(list(example.expected), actual, "README", "actual", lineterm=""))


def test_the_readme_has_console_examples_and_each_runs_news_search():
    assert len(BLOCKS) >= 3
    for block in BLOCKS:
        assert block.examples, f"README.md:{block.line}: a console block with no `$ ` line"
        for example in block.examples:
            example.args()  # raises for a command that is not news-search or needs a shell


def test_the_convention_parses_outputs_exit_statuses_and_ellipses():
    text = ("```sh\n$ news-search index x\n```\n"
            "```console\n$ news-search query oil  # a comment\n  1. Oil rises\n\n"
            "$ news-search query zzz\n[exit 1]\n```\n")
    [block] = console_blocks(text)
    first, second = block.examples
    assert (first.args(), first.expected, first.exit_code) == (["query", "oil"], ("  1. Oil rises",), 0)
    assert (second.args(), second.expected, second.exit_code) == (["query", "zzz"], (), 1)
    assert block.line == 4 and first.line == 5
    with pytest.raises(ValueError, match="needs a shell"):
        Example(1, "news-search query oil | head -1", ()).args()
    assert lines_match(["index: ok in ...s", "...", "end"], ["index: ok in 0.4s", "a", "b", "end"])
    assert lines_match(["a", "..."], ["a"])
    assert not lines_match(["a", "b"], ["a", "c"])
    assert not lines_match(["a"], ["a", "b"])  # output the README does not show is a failure
    assert normalise("/tmp/x/corpus  \n\n", Path("/tmp/x")) == ["$PWD/corpus"]
