"""`news-search serve`: the HTTP JSON API and web search page (search/service/).

FastAPI, uvicorn and Jinja2 are imported inside the command (they cost ~300 ms),
so `news-search query` and the other commands do not pay for them, and they are an
optional extra: without it, `serve` says how to install it.
"""
from __future__ import annotations

import errno
import signal
import socket

import click

from .common import fail, index_dir_option, reports_errors

INSTALL_HINT = "the search service needs its extra: pip install 'news-search[serve]'"


@click.command("serve")
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (use a reverse proxy to publish it).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Search processes, each with the index open (one per core).")
@click.option("--query-timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop a search running longer; it is answered 503.")
@click.option("--max-pending", type=click.IntRange(0), default=100, show_default=True,
              help="Requests that may wait for a search process; more are answered 503.")
@reports_errors
def serve_command(index_dir: str, host: str, port: int, workers: int, query_timeout: float,
                  max_pending: int) -> None:
    """Serve the index: a search page at / and a JSON API under /api, in the foreground.

    One access line per request on stderr; SIGTERM or Ctrl-C stops it cleanly. The
    index is only read: `index`, `reindex` and `schedule` keep it fresh, and the
    service sees their commits. Until the first build the API answers 503.

    \b
    Examples:
      news-search serve                          # http://127.0.0.1:8080/
      news-search serve --index-dir /srv/news/index --port 8081 --workers 2
      curl 'http://127.0.0.1:8080/api/search?q=oil&facet=source'
    """
    try:
        import uvicorn

        from ..service.app import ServiceConfig, create_app
    except ImportError as exc:
        fail(f"{INSTALL_HINT} ({exc})")
    sock = _listen(host, port)  # before anything starts: a taken port is one line, exit 2
    app = create_app(ServiceConfig(index_dir=index_dir, workers=workers,
                                   query_timeout=query_timeout, max_pending=max_pending))
    port = sock.getsockname()[1]
    click.echo(f"news-search: serving {index_dir} at http://{_url_host(host)}:{port}/ "
               f"({workers} search processes, {query_timeout:g} s per query)", err=True)
    # uvicorn stops gracefully on SIGTERM/SIGINT, then re-raises the signal with the
    # handlers it found at start; a no-op one here makes that a normal return, exit 0
    # (as `schedule` exits 0 when stopped).
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopped)
    # Our own access log (accesslog.py) replaces uvicorn's; uvicorn's other messages go
    # to stderr too. In-flight requests get the query time limit to finish on SIGTERM.
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="info",
                            timeout_graceful_shutdown=int(query_timeout) + 2,
                            server_header=False, log_config=_LOG_CONFIG)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        why = (exc.strerror or str(exc)).split(" (while attempting", 1)[0]
        hint = ("choose another --port, or stop what listens there" if exc.errno == errno.EADDRINUSE
                else "give --host an address of this machine, e.g. 127.0.0.1")
        fail(f"cannot listen on {host}:{port}: {why}; {hint}")
        raise  # fail() exits


def _stopped(signum: int, frame: object) -> None:
    """Re-raised by uvicorn once it has shut down: nothing left to do."""


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


_LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"level": "INFO"},
                "news_search.service": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}

COMMANDS = [serve_command]
