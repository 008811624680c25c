"""The `news-search` command: a thin layer over the Python API.

Each command lives in the module of its pipeline stage; this file only
assembles them into one click group, and holds the last-resort handler that
keeps the error contract: whatever goes wrong, one line on stderr and exit
status 2 (the traceback only with --debug or NEWS_SEARCH_DEBUG=1).
"""
from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import Any, Callable

from ..engine.lean import load_click

load_click()  # before click loads: without the uuid module (engine/lean.py)

import click  # noqa: E402

from .. import __version__
from ..errors import NewsSearchError, describe_os_error
from .common import EXIT_ERROR, EXIT_MATCH, debugging, fail

# command name -> the module whose COMMANDS defines it. A command's module is imported
# only when that command runs (or for the group's --help): importing all five cost
# ~15 ms of a cold `news-search query` (~150 ms). tests/test_cli_query_typed.py checks
# this table against the modules' COMMANDS.
COMMAND_MODULES = {"inspect": "inspect_cmd", "index": "index_cmd", "reindex": "index_cmd",
                   "stats": "index_cmd", "check": "index_cmd", "query": "query_cmd",
                   "show": "query_cmd", "similar": "query_cmd", "schedule": "schedule_cmd",
                   "alerts": "schedule_cmd", "serve": "serve_cmd", "timeline": "timeline_cmd",
                   "story": "story_cmd", "cluster": "cluster_cmd"}
EXIT_INTERRUPTED = 130  # as shells report SIGINT
# Commands that only read an index and print: when one of them ran as the program, the
# process ends without Python's teardown (search/program.py).
READ_ONLY_COMMANDS = frozenset({"query", "show", "similar", "stats", "timeline", "story", "inspect"})


def _quiet_broken_pipe() -> None:
    """The reader of our stdout went away (`| head`): that is success, and quiet.

    Python would print "Exception ignored ... BrokenPipeError" when it flushes
    stdout at exit; pointing stdout at /dev/null first prevents that."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_MATCH)


class NewsSearchGroup(click.Group):
    """click.Group with the error contract: no traceback ever reaches a user by accident.

    Click itself turns EOFError into "Aborted!" and exit 1, which reads as "no
    match" (a half-truncated index TOC did this); we catch it before click does.
    Click's usage errors (a bad option value, an unknown option) are three lines
    of usage, hint and error; ours are the error in one line naming the help."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `news-search` alone: the help
                exc.show()
                sys.exit(exc.exit_code)
            where = exc.ctx.command_path if exc.ctx else "news-search"
            fail(f"{exc.format_message()} (see `{where} --help`)", EXIT_ERROR)
        except click.exceptions.ClickException as exc:
            fail(exc.format_message(), EXIT_ERROR)
        except click.exceptions.Abort:
            fail("aborted", EXIT_ERROR)
        sys.exit(rv if isinstance(rv, int) else EXIT_MATCH)

    # For the program (search/program.py), which sets the first and reads the second: called
    # once a command's modules are imported; the subcommand click resolved.
    on_command_loaded: Callable[[], None] | None = None
    command_name: str | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            for cmd in import_module(f"{__name__}.{COMMAND_MODULES[cmd_name]}").COMMANDS:
                self.add_command(cmd)
            if self.on_command_loaded is not None:
                self.on_command_loaded()
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, ...]:
        name, cmd, rest = super().resolve_command(ctx, args)
        self.command_name = cmd.name if cmd else name
        return name, cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except NewsSearchError as exc:
            if debugging():
                raise
            fail(str(exc))
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except OSError as exc:
            if debugging():
                raise
            fail(describe_os_error(exc, "cannot read or write"))
        except Exception as exc:  # noqa: BLE001 - the last resort: one line, exit 2
            if debugging():
                raise
            fail(f"unexpected {type(exc).__name__}: {exc} (this is a bug: run again with "
                 f"`news-search --debug ...` for the traceback and report it)", EXIT_ERROR)


@click.group(cls=NewsSearchGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="news-search")
@click.option("--debug", is_flag=True, envvar="NEWS_SEARCH_DEBUG",
              help="Show the full traceback of an error (also NEWS_SEARCH_DEBUG=1).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Full-text search for news archives.

    \b
    Examples:
      news-search index corpus/                 # build or update ./index
      news-search query '"red lines"'           # search it
      news-search inspect article.html --json   # what ingestion makes of a file
      news-search --debug stats                 # an error's full traceback
    """
    ctx.obj = {"debug": debug}
