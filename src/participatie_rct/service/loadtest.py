"""Drive a running service with concurrent intake clients, and start one to drive.

:func:`running_service` starts ``participatie-rct serve`` in a child process on 127.0.0.1 (a
free port), with its output (the access log included) written to a file, and stops it
afterwards. :func:`drive` sends assignments from several clients at once, each over its own
keep-alive connection, and records every answer and its latency. The load test and
``benchmarks/bench_service.py`` use both; an operator can point :func:`drive` at a staging
service.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from participatie_rct.errors import ParticipatieRCTError

#: seconds one request may take before the driver gives up on it
REQUEST_TIMEOUT_S = 60.0
#: seconds the service may take to answer /healthz after it was started
START_TIMEOUT_S = 60.0
_RESULTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Intake:
    """One assignment a client sends: identifier and stratum values (sent as intended, so
    a value the register has not seen yet is accepted: ``new_level``)."""

    identifier: str
    values: dict[str, str]


@dataclass
class LoadResult:
    """Every answer (identifier -> list of (status, arm)) and latencies in seconds."""

    latencies: list[float] = field(default_factory=list)
    answers: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile latency in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_service(
    db_url: str,
    *,
    key_file: Path | None,
    secret_file: Path | None,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``participatie-rct serve`` on 127.0.0.1 until the block ends; yield its base URL."""
    import httpx

    port = free_port()
    args = [
        sys.executable,
        "-c",
        "from participatie_rct.cli import main; main()",
        "serve",
        "--db",
        db_url,
        "--port",
        str(port),
    ]
    if key_file is not None:
        args += ["--key-file", str(key_file)]
    if secret_file is not None:
        args += ["--secret-file", str(secret_file)]
    env = {**os.environ, **(extra_env or {})}
    env.pop("PARTICIPATIE_RCT_KEY", None)
    env.pop("PARTICIPATIE_RCT_SECRET", None)
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        child = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if child.poll() is not None:
                    raise ParticipatieRCTError(
                        f"the service stopped at start-up (exit {child.returncode}); see "
                        f"{log_path}."
                    )
                try:
                    if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ParticipatieRCTError(f"the service did not start; see {log_path}.")
                time.sleep(0.2)
            yield base
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _client(base: str, token: str, intakes: Sequence[Intake], result: LoadResult) -> None:
    import httpx

    lock = _RESULTS_LOCK
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        for intake in intakes:
            start = time.perf_counter()
            try:
                body = {"id": intake.identifier, "values": intake.values, "new_level": True}
                response = client.post("/api/v1/assign", json=body)
            except httpx.HTTPError as exc:
                with lock:
                    result.errors.append(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - start
            arm = response.json().get("arm") if response.status_code == 200 else None
            with lock:
                result.latencies.append(elapsed)
                result.answers.setdefault(intake.identifier, []).append((response.status_code, arm))
                if response.status_code != 200:
                    result.errors.append(f"{response.status_code}: {response.text[:200]}")


def drive(base: str, work: Sequence[tuple[str, Sequence[Intake]]]) -> LoadResult:
    """Run one client per ``(token, intakes)`` at the same time; collect answers and latencies."""
    result = LoadResult()
    threads = [
        threading.Thread(target=_client, args=(base, token, intakes, result), daemon=True)
        for token, intakes in work
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def summary(result: LoadResult) -> dict[str, Any]:
    """Count, p50 and p99 latency (ms) and the number of errors."""
    return {
        "requests": len(result.latencies),
        "p50_ms": round(result.percentile(50), 2),
        "p99_ms": round(result.percentile(99), 2),
        "errors": len(result.errors),
    }
