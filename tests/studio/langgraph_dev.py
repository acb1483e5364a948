"""Running ``langgraph dev`` for tests: on the project's langgraph.json (paths made absolute), in a scratch folder,
offline, up once it answers /ok."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from evals.served import stop_process
from tests.workers import free_port

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "LANGSMITH_TRACING": "false"}


@contextmanager
def langgraph_dev(workdir: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """A ``langgraph dev`` server; yields its URL and its log file."""
    port = free_port()
    # langgraph dev resolves graph paths from its cwd and keeps state files in ./.langgraph_api: run it in a
    # scratch directory on the project's langgraph.json with its paths made absolute.
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    config["graphs"] = {name: str(ROOT / path) for name, path in config["graphs"].items()}
    config["dependencies"] = [str(ROOT / dep) for dep in config.get("dependencies", [])]
    (workdir / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
    log_path = workdir / "langgraph-dev.log"
    log = log_path.open("wb")
    command = [str(Path(sys.executable).with_name("langgraph")), "dev", "--no-browser", "--no-reload",
               "--host", "127.0.0.1", "--port", str(port), "--config", str(workdir / "langgraph.json")]
    process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, **OFFLINE, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "langgraph dev did not answer within 180 s"
            try:
                if httpx.get(url + "/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield url, log_path
    finally:
        stop_process(process)
        log.close()
