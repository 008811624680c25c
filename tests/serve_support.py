"""Helpers for the service tests: a real `news-search serve` in a subprocess on a free
loopback port, and a small dated corpus written as real files (the bundled sample
has two undated articles: too few for pages, facets and a date histogram)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import PROJECT

START_SECONDS = 90  # a cold start on a busy 2-core CI machine: imports, two search processes
_LISTENING = re.compile(r"news-search: serving .* at http://127\.0\.0\.1:(\d+)/")
_READY = "Application startup complete."

SOURCES = {"alpha": ["politics", "business"], "beta": ["business", "sport"], "gamma": ["politics"]}
TOPICS = ["pipeline sanctions talks", "pipeline gas prices", "pipeline court ruling",
          "pipeline election debate"]


def write_dated_corpus(root: Path) -> Path:
    """36 articles in 3 sources and 3 sections, dated across 2021 (one cluster in March),
    each mentioning 'pipeline': one query reaches them all."""
    n = 0
    for source, sections in SOURCES.items():
        for i in range(12):
            section = sections[i % len(sections)]
            month = 3 if i < 5 else 1 + (i * 5 + len(source)) % 12
            day = 1 + (i * 7 + len(source)) % 27
            topic = TOPICS[(i + len(source)) % len(TOPICS)]
            folder = root / source / section
            folder.mkdir(parents=True, exist_ok=True)
            body = (f"The {topic} story number {n} from {source}. Officials said the pipeline "
                    f"project would continue, while critics of the {topic.split()[1]} plan "
                    f"asked for a review. Analysts expect more news on the pipeline in "
                    f"{source} reports next week.")
            (folder / f"{n:03d}.txt").write_text(
                f"Headline: {topic.title()} report {n}\nDate: 2021-{month:02d}-{day:02d}\n"
                f"Language: en\n\n{body}\n", encoding="utf-8")
            n += 1
    return root


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Server:
    """`news-search serve` on 127.0.0.1 with port 0 (the OS picks a free one; serve
    prints it). stderr goes to a file: the access log is checked from there."""

    def __init__(self, index_dir: Path, log_dir: Path, *args: str):
        self.log = log_dir / "serve-stderr.log"
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search.cli", "serve", "--index-dir", str(index_dir),
             "--port", "0", *args], cwd=PROJECT, stdout=subprocess.DEVNULL,
            stderr=self._log_file, env={**os.environ, "NO_COLOR": "1"})
        self.port = self._wait_listening()
        self.base = f"http://127.0.0.1:{self.port}"

    def _wait_listening(self) -> int:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            log = self.stderr()
            found = _LISTENING.search(log)
            if found and _READY in log:
                return int(found.group(1))
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.stderr()}")
            time.sleep(0.05)  # polling a log file for a line, not waiting out a race
        self.stop()
        raise AssertionError(f"serve did not start in {START_SECONDS} s:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, timeout: float = 60) -> Response:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def search_processes(self) -> list[int]:
        """The pids of the search processes this server started (multiprocessing's
        resource tracker, also a child, is left out: it exits after its parent)."""
        out = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            for pid in task.read_text().split():
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"spawn_main" in cmdline:
                    out.append(int(pid))
        return out

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()
        return self.proc.returncode

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
