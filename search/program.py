"""The `news-search` program: where the console script and `python -m search` start.

`search.cli.main` with two things only a whole process may do, both measured on a cold
`news-search query` over Reuters (bench/bench_startup.py):
- the garbage collector is off while the modules load, then their objects are frozen
  out of its sight (`gc.freeze`) and it is on again for the command's work: loading
  ~250 modules ran gen-2 collections over all of them (~10-15 ms of ~200 ms). Hence this
  module: it runs before the command line's modules load, and `import search` itself
  loads nothing heavy (search/__init__.py);
- a read-only command on one index ends with `os._exit` once stdout and stderr are
  flushed: Python's teardown of those modules cost ~25 ms and has nothing to save. Any
  other command, and a run that started Ray, a thread or a child process, exits as usual.
`search.cli.main` itself (click's `CliRunner`, programs that call it) is unchanged.
"""
from __future__ import annotations

import gc
import os
import sys
from typing import Any


def run() -> None:
    """Run `news-search` with `sys.argv` and exit with its status."""
    collecting = gc.isenabled()  # and so to be turned on again
    gc.disable()

    def loaded() -> None:  # the command's modules are imported: freeze what they made
        nonlocal collecting
        if collecting:
            collecting = False
            gc.freeze()
            gc.enable()

    from .cli import EXIT_MATCH, main

    main.on_command_loaded = loaded
    try:
        main(prog_name="news-search")
        code: Any = EXIT_MATCH
    except SystemExit as exc:
        code = exc.code
    finally:
        loaded()  # no command module was loaded (--help, a usage error)
    status = 0 if code is None else code
    if isinstance(status, int) and _teardown_is_idle(main.command_name):
        _end(status)
    sys.exit(code)


def _teardown_is_idle(command: str | None) -> bool:
    """Whether Python's exit would only free memory: a read-only command ran, and nothing
    it started (Ray's shutdown hook, a thread, a child process) waits for the exit."""
    import threading

    from .cli import READ_ONLY_COMMANDS

    if command not in READ_ONLY_COMMANDS or "ray" in sys.modules:
        return False
    if threading.active_count() > 1:
        return False
    children = sys.modules.get("multiprocessing")
    return not (children and children.active_children())


def _end(status: int) -> None:
    """Flush what was printed and leave at once. A reader gone from stdout (`| head`) is
    success, as the command line says (search/cli/__init__.py `_quiet_broken_pipe`)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        status = 0
    except (OSError, ValueError):
        sys.exit(status)  # stdout is broken some other way: let Python report it
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)
