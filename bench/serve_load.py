"""Serve load test: ``POST /api/score`` of ``negpersona serve`` under 200 concurrent clients.

The REST API of ``negpersona serve`` (``negpersona.web.create_app(folder, api_key=...)``) is
compared, in the same run and with the same load generator, with the framework floor: a bare
FastAPI app whose ``POST /api/score`` checks the ``X-API-Key`` header with
:func:`secrets.compare_digest`, reads the body and answers the constant ``{"ok": true}``. The
difference is what negpersona adds on top of FastAPI: its middleware (session, security headers,
request log), the folder's freshness check (one ``stat`` per watched file), JSON parsing, the
scoring the record in Python on the event loop (``apply.route.score_in_python``). Targets of the
issue: 0 errors at ``--clients`` (200) concurrent clients for ``--seconds`` (30), and p99 latency
≤ 3x the floor's p99.

Each server runs alone, one after the other, in its own process (``uvicorn.run(app,
host="127.0.0.1", port=..., log_level="warning", access_log=False)``, the ``negpersona.web``
logger at WARNING so that its per-request info log is not written), so that the load generator
does not share its GIL; its output is kept and shown (warnings, errors, tracebacks). The load
generator is one asyncio process: ``--clients`` tasks, each posting one record per request in a
loop over kept-alive connections and timing it with ``time.perf_counter``. The first
``--warmup`` seconds are not counted; a request counts if it started inside the measured window.
An error is any status other than 200 or any exception (timeouts included, ``--timeout``).

The load generator is the weak side: httpx spends more CPU per request than the floor server
does, so the client, not the server, sets the pace, and latencies include client-side queuing.
Two client setups are measured (``--pool``, default both): the issue's, one ``AsyncClient``
shared by all tasks with ``httpx.Limits(max_connections=N, max_keepalive_connections=N)``, whose
connection pool scans every connection for every request (its cost grows with N), and one
``AsyncClient`` with one connection per task, which needs less CPU and so loads the server more;
the p99 ratio compares runs with the same setup. Two client-side artefacts are avoided: httpcore
retries ``import sniffio`` on every request (a ``sys.path`` search when sniffio is not
installed), so it is marked absent, with the same effect; and, as a precaution, idle
connections expire after ``--keepalive-expiry`` (2 s) on the client, before uvicorn's 5 s
keep-alive closes them (httpx's default is also 5 s: a request may then go out on a connection
the server is closing; a 15 s run with 5 s had no error). The machine has 2 cores shared by
both processes (and whatever else runs): the output gives the load average and the CPU each side
used during the window; the server's CPU time per request does not depend on the client's pace.

Records: ``--records`` (500) seeded random records built from the folder's personas: every
column a condition uses (numbers near the conditions' thresholds, text from the conditions'
values and a few others, yes/no, some missing) and a unique text id in the folder's id column,
so some records match personas (and a few fall in the holdout) and most do not. Before the load,
the real server's answer for a few records must equal ``personas.score([record])[0]`` computed in
this process (``negative_persona`` and ``negative_persona_action``), and both servers must answer
401 without the key; otherwise the run stops.

Usage (from the repository root)::

    .venv/bin/python bench/serve_load.py                          # 200 clients, 4 x 30 s (3 min)
    .venv/bin/python bench/serve_load.py --seconds 5 --clients 50 # quick check
    .venv/bin/python bench/serve_load.py --pool shared            # the issue's client setup only
    .venv/bin/python bench/serve_load.py --folder out/demo        # an existing personas folder
    .venv/bin/python bench/serve_load.py --write                  # also update bench/RESULTS.md

Data: without ``--folder``, ``negpersona demo`` is run once (about 40 s) into a temporary folder
that is then moved to ``bench/_data/serve_demo/`` (git-ignored) and reused by later runs.
With ``--write``, the result replaces the "serve" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from common import RESULTS, ROOT, fmt_seconds, replace_section, source_digest, table, version
from fastapi import FastAPI, Request  # module level: the floor's annotations are resolved here
from fastapi.responses import JSONResponse

BENCH = ROOT / "bench"
DEMO_CACHE = BENCH / "_data" / "serve_demo"
KEY_ENV = "NEGPERSONA_BENCH_KEY"  # how the parent hands the API key to the server process
TARGET_RATIO = 3.0
CHECKED_RECORDS = 20  # records whose answer is compared with the in-process score
EXTRA_TEXT = ["other", "unknown", "software", "n/a"]  # text values no condition names


# ---- the personas folder and the records ---------------------------------------------------------


def ensure_folder(folder: str | None) -> tuple[Path, str]:
    """The personas folder to serve and how it was obtained."""
    if folder:
        path = Path(folder).resolve()
        if not (path / "personas.json").exists():
            raise SystemExit(f"{path} has no personas.json: not a folder written by discover.")
        return path, f"--folder {path}"
    if (DEMO_CACHE / "personas.json").exists():
        return DEMO_CACHE, f"cached demo folder {DEMO_CACHE.relative_to(ROOT)}"
    DEMO_CACHE.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="serve_demo_", dir=DEMO_CACHE.parent) as tmp:
        out = Path(tmp) / "demo"
        print("  building the demo folder (negpersona demo, about 40 s) ...", flush=True)
        command = [sys.executable, "-m", "negpersona.cli.main", "demo", "--out", str(out), "-q"]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0 or not (out / "personas.json").exists():
            print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
            raise SystemExit(f"'negpersona demo' failed (exit {done.returncode}).")
        if DEMO_CACHE.exists():  # a damaged earlier attempt
            shutil.rmtree(DEMO_CACHE)
        out.rename(DEMO_CACHE)
    took = fmt_seconds(time.perf_counter() - start)
    return DEMO_CACHE, f"demo folder built in {took}, cached in {DEMO_CACHE.relative_to(ROOT)}"


def column_kinds(personas: Any) -> dict[str, tuple[str, list[Any]]]:
    """Column → (kind, the values its conditions compare with); kind: number, text, bool."""
    kinds: dict[str, tuple[str, list[Any]]] = {}
    for persona in personas.personas:
        for condition in persona.conditions:
            kind, values = kinds.get(condition.column, ("", []))
            value = condition.value
            if condition.op != "is_missing" and value is not None:
                if isinstance(value, bool):
                    kind = kind or "bool"
                elif isinstance(value, int | float):
                    kind = kind or "number"
                else:
                    kind = kind or "text"
                if value not in values:
                    values.append(value)
            kinds[condition.column] = (kind, values)
    return {column: (kind or "number", values) for column, (kind, values) in kinds.items()}


def make_value(rng: random.Random, kind: str, values: list[Any]) -> Any:
    """One random value of a column: near its conditions' values, sometimes missing."""
    if rng.random() < 0.08:
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "text":
        pool = [str(v) for v in values] + EXTRA_TEXT
        return rng.choice(pool)
    thresholds = [float(v) for v in values] or [10.0]
    threshold = rng.choice(thresholds)
    roll = rng.random()
    if roll < 0.6:  # on either side of the threshold, integers as counts usually are
        return max(0, int(math.floor(threshold)) + rng.choice([-1, 0, 0, 1, 2]))
    if roll < 0.8:
        return round(max(0.0, threshold + rng.uniform(-3, 3)), 2)
    return rng.randint(0, max(10, int(threshold * 4)))


def build_records(personas: Any, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` seeded records holding every required column and a unique text id."""
    rng = random.Random(seed)
    kinds = column_kinds(personas)
    id_column = personas.settings.get("id")
    records = []
    for index in range(count):
        record: dict[str, Any] = {id_column: f"bench-{seed}-{index:06d}"} if id_column else {}
        for column, (kind, values) in kinds.items():
            record[column] = make_value(rng, kind, values)
        records.append(record)
    return records


# ---- the servers ---------------------------------------------------------------------------------


def floor_app(key: str) -> Any:
    """The framework floor: a bare FastAPI app answering a constant, with the same key check."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/score")
    async def score(request: Request) -> Any:
        given = request.headers.get("x-api-key")
        if not given or not secrets.compare_digest(given.encode("utf-8"), key.encode("utf-8")):
            return JSONResponse({"error": "key"}, status_code=401)
        await request.body()
        return {"ok": True}

    return app


def run_server(kind: str, folder: str, port: int) -> None:
    """The server process (``--serve``): one app on 127.0.0.1:``port`` until SIGTERM."""
    import uvicorn

    key = os.environ[KEY_ENV]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("negpersona.web").setLevel(logging.WARNING)  # no per-request info log
    if kind == "floor":
        app = floor_app(key)
    else:
        from negpersona.web import create_app

        app = create_app(folder, api_key=key)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def start_server(kind: str, folder: Path, key: str, log_dir: Path) -> Server:
    port = free_port()
    log_path = log_dir / f"{kind}-{port}.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", kind]
    command += ["--port", str(port), "--folder", str(folder)]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, KEY_ENV: key},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(kind, process, port, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {kind} server exited ({process.returncode}):\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise SystemExit(f"the {kind} server did not answer /healthz within 120 s:\n{server.log()}")


def stop_server(server: Server) -> int | None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (Linux ``/proc``), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- checks before the load ----------------------------------------------------------------------


def check_answers(server: Server, key: str, personas: Any, records: list[dict[str, Any]]) -> str:
    """The server's answers for the first records equal the in-process score; a summary."""
    problems = []
    headers = {"X-API-Key": key}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for record in records[:CHECKED_RECORDS]:
            response = client.post("/api/score", json=record, headers=headers)
            if response.status_code != 200:
                problems.append(f"status {response.status_code}: {response.text[:300]}")
                continue
            got, expected = response.json(), personas.score([record])[0]
            for name in ("negative_persona", "negative_persona_action"):
                if got.get(name) != expected.get(name):
                    problems.append(f"{name}: server {got.get(name)!r}, in-process "
                                    f"{expected.get(name)!r} for {record}")  # fmt: skip
    if problems:
        raise SystemExit("The server's answers differ from the in-process score:\n"
                         + "\n".join(f"  - {p}" for p in problems[:10]))  # fmt: skip
    answers = personas.score(records)
    actions = Counter(str(a["negative_persona_action"]) for a in answers)
    matched = sum(1 for a in answers if a["negative_persona"] is not None)
    spread = ", ".join(f"{k} {v}" for k, v in sorted(actions.items()))
    return (f"{CHECKED_RECORDS} answers equal `personas.score([record])[0]`; of all "
            f"{len(records)} records {matched} match a persona (actions: {spread})")  # fmt: skip


def check_key(server: Server, body: bytes) -> None:
    """Without the key, both servers answer 401 (the floor checks it as the real one does)."""
    response = httpx.post(f"{server.url}/api/score", content=body, timeout=30,
                          headers={"content-type": "application/json"})  # fmt: skip
    if response.status_code != 401:
        raise SystemExit(f"the {server.kind} server answered {response.status_code} without key")


# ---- the load ------------------------------------------------------------------------------------

POOLS = {
    "shared": "one AsyncClient shared by all clients, with as many connections",
    "per-client": "one AsyncClient per client task, one connection each",
}


def avoid_failed_imports() -> None:
    """httpcore runs ``import sniffio`` on every request; without sniffio installed each attempt
    searches ``sys.path`` again (about 0.3 ms). Marking it absent makes the same ImportError
    immediate: httpcore takes the same asyncio path, the load generator spends less CPU."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, requests in the window
    errors: Counter[str] = field(default_factory=Counter)  # in the window
    warmup_requests: int = 0
    warmup_errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # a few error descriptions
    server_cpu: float | None = None  # CPU seconds of the server process during the window
    client_cpu: float = 0.0  # CPU seconds of this process during the window
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + sum(self.warmup_errors.values())


def make_clients(url: str, args: argparse.Namespace, pool: str) -> list[httpx.AsyncClient]:
    """The client of each task: one shared pool, or one small pool per task."""
    expiry = args.keepalive_expiry
    if pool == "shared":
        limits = httpx.Limits(max_connections=args.clients,
                              max_keepalive_connections=args.clients, keepalive_expiry=expiry)  # fmt: skip
        client = httpx.AsyncClient(base_url=url, limits=limits, timeout=args.timeout)
        return [client] * args.clients
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=expiry)
    context = ssl.create_default_context()  # unused on http://, but httpx builds one per client
    return [httpx.AsyncClient(base_url=url, limits=limits, timeout=args.timeout, verify=context)
            for _ in range(args.clients)]  # fmt: skip


def describe(exc: BaseException) -> str:
    """``Type: message``, and the exception it came from when that says more."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is None or (type(cause).__name__, str(cause)) == (type(exc).__name__, str(exc)):
        return text
    return f"{text} (from {describe(cause)})"


async def generate_load(url: str, key: str, bodies: list[bytes], args: argparse.Namespace,
                        pool: str, pid: int) -> Load:  # fmt: skip
    load = Load(load_before=os.getloadavg()[0])
    headers = {"X-API-Key": key, "content-type": "application/json"}
    clients = make_clients(url, args, pool)
    begin = time.perf_counter()
    window_start = begin + args.warmup
    window_end = window_start + args.seconds

    async def client_task(client: httpx.AsyncClient, index: int) -> None:
        position = index * 7919 % len(bodies)  # spread the clients over the records
        while True:
            start = time.perf_counter()
            if start >= window_end:
                return
            body = bodies[position]
            position = (position + 1) % len(bodies)
            error = None
            try:
                response = await client.post("/api/score", content=body, headers=headers)
                if response.status_code != 200:
                    error = f"status {response.status_code}"
                    if len(load.samples) < 5:
                        load.samples.append(f"{error}: {response.text[:300]}")
            except Exception as exc:  # every failure counts: that is what is measured
                error = type(exc).__name__
                if len(load.samples) < 5:
                    load.samples.append(describe(exc)[:300])
            took = time.perf_counter() - start
            if start >= window_start:
                load.latencies.append(took)
                if error:
                    load.errors[error] += 1
            else:
                load.warmup_requests += 1
                if error:
                    load.warmup_errors[error] += 1

    async def cpu_meter() -> None:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        server0, client0 = process_cpu(pid), time.process_time()
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        server1, client1 = process_cpu(pid), time.process_time()
        if server0 is not None and server1 is not None:
            load.server_cpu = server1 - server0
        load.client_cpu = client1 - client0

    try:
        tasks = [client_task(client, i) for i, client in enumerate(clients)]
        await asyncio.gather(cpu_meter(), *tasks)
    finally:
        for client in dict.fromkeys(clients):  # the shared client once
            await client.aclose()
    load.load_after = os.getloadavg()[0]
    return load


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value * 1000:.1f}"


# ---- main ----------------------------------------------------------------------------------------


def machine_line() -> str:
    versions = ", ".join(f"{p} {version(p)}" for p in
                         ("negpersona", "fastapi", "starlette", "uvicorn", "httpx", "httpcore"))  # fmt: skip
    extras = [p for p in ("uvloop", "httptools") if version(p) != "not installed"]
    loop = f"uvicorn with {' + '.join(extras)}" if extras else "uvicorn on asyncio + h11"
    return (
        f"- Date: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; {versions} ({loop}); "
        f"source digest {source_digest()}"
    )


@dataclass
class Run:
    kind: str  # floor or real
    pool: str
    load: Load
    log: str
    exit_code: int | None


def measure(kind: str, pool: str, folder: Path, key: str, log_dir: Path, bodies: list[bytes],
            args: argparse.Namespace) -> Run:  # fmt: skip
    """One server's run: start, check the key, load, stop."""
    server = start_server(kind, folder, key, log_dir)
    try:
        check_key(server, bodies[0])
        print(f"  {kind}, {pool} pool: {args.clients} clients, {args.warmup:g} s warm-up"
              f" + {args.seconds:g} s on {server.url} (load average "
              f"{os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
        load = asyncio.run(generate_load(server.url, key, bodies, args, pool, server.process.pid))
    finally:
        code = stop_server(server)
    return Run(kind, pool, load, server.log(), code)


def check_real(folder: Path, key: str, log_dir: Path, personas: Any,
               records: list[dict[str, Any]]) -> str:  # fmt: skip
    server = start_server("real", folder, key, log_dir)
    try:
        return check_answers(server, key, personas, records)
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", help="an existing personas folder (default: the demo's)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not counted")
    parser.add_argument("--pool", choices=[*POOLS, "both"], default="both",
                        help="httpx connection pools of the load generator")  # fmt: skip
    parser.add_argument("--records", type=int, default=500, help="distinct request bodies")
    parser.add_argument("--seed", type=int, default=0, help="seed of the records")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before an error")
    parser.add_argument("--keepalive-expiry", type=float, default=2.0,
                        help="client-side idle seconds, below uvicorn's 5 s keep-alive")  # fmt: skip
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--serve", choices=["floor", "real"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        run_server(args.serve, args.folder, args.port)
        return

    from negpersona.apply.personas import Personas

    avoid_failed_imports()
    pools = list(POOLS) if args.pool == "both" else [args.pool]
    print(machine_line(), flush=True)
    print(f"\n## serve: POST /api/score, {args.clients} clients x {args.seconds:g} s\n", flush=True)
    folder, origin = ensure_folder(args.folder)
    personas = Personas.load(folder)
    records = build_records(personas, args.records, args.seed)
    bodies = [json.dumps(record).encode("utf-8") for record in records]
    print(f"  folder: {origin}; {len(personas.personas)} personas, "
          f"{len(personas.required_columns())} columns used, {len(records)} records", flush=True)  # fmt: skip
    key = secrets.token_urlsafe(24)
    averages_before = os.getloadavg()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="serve_load_") as tmp:
        check = check_real(folder, key, Path(tmp), personas, records)
        print(f"  check: {check}", flush=True)
        for pool in pools:
            for kind in ("floor", "real"):
                runs.append(measure(kind, pool, folder, key, Path(tmp), bodies, args))
    averages_after = os.getloadavg()
    print("\n" + (body := report(runs, args, origin, personas, records, check,
                                 averages_before, averages_after)), flush=True)  # fmt: skip
    if args.write:
        RESULTS.write_text(replace_section(RESULTS.read_text(encoding="utf-8"), "serve", body))
        print(f"\nwrote the serve section of {RESULTS.relative_to(ROOT)}", flush=True)
    errors = sum(run.load.error_count for run in runs)
    if errors:
        raise SystemExit(f"{errors:,} errors during the load (see above).")


def report(runs: list[Run], args: argparse.Namespace, origin: str, personas: Any,
           records: list[dict[str, Any]], check: str, averages_before: tuple[float, ...],
           averages_after: tuple[float, ...]) -> str:  # fmt: skip
    """The Markdown section: the table, the verdicts and the notes."""
    names = {
        "floor": "bare FastAPI: key check, read body, constant answer (the floor)",
        "real": "`create_app(folder)`: POST /api/score",
    }
    floors = {run.pool: percentile(sorted(run.load.latencies), 0.99) for run in runs
              if run.kind == "floor"}  # fmt: skip
    rows, notes, verdicts = [], [], []
    for number, run in enumerate(runs):
        load, ordered = run.load, sorted(run.load.latencies)
        p99, floor_p99 = percentile(ordered, 0.99), floors[run.pool]
        label = f"({chr(ord('a') + number)}) {names[run.kind]}; {run.pool} pool"
        rows.append([
            label, f"{len(ordered):,}", f"{sum(load.errors.values()):,}",
            f"{len(ordered) / args.seconds:,.0f}", ms(percentile(ordered, 0.5)),
            ms(percentile(ordered, 0.9)), ms(p99), ms(ordered[-1] if ordered else math.nan),
            f"{p99 / floor_p99:.2f}x",
        ])  # fmt: skip
        if run.kind == "real":
            met = p99 <= TARGET_RATIO * floor_p99
            verdicts.append(f"- target p99 ≤ {TARGET_RATIO:g}x floor ({run.pool} pool): "
                            f"{'met' if met else 'NOT met'} ({ms(p99)} ms vs {TARGET_RATIO:g} x "
                            f"{ms(floor_p99)} ms)")  # fmt: skip
        if load.server_cpu is not None and ordered:
            server = (f"server {load.server_cpu / args.seconds:.0%} of one core "
                      f"({load.server_cpu / len(ordered) * 1000:.2f} ms CPU per request)")  # fmt: skip
        else:
            server = "server CPU unknown"
        text = (f"- ({chr(ord('a') + number)}) CPU in the window: {server}, load generator "
                f"{load.client_cpu / args.seconds:.0%}; warm-up {load.warmup_requests:,} "
                f"requests; 1-minute load average {load.load_before:.2f} → {load.load_after:.2f}")  # fmt: skip
        if load.error_count:
            text += f"; errors (warm-up included): {dict(load.errors + load.warmup_errors)}"
        notes.append(text)
        notes += [f"  - error sample: {sample}" for sample in load.samples]
        lines = run.log.strip().splitlines()
        # uvicorn re-raises the SIGTERM it stopped on: -15 is a clean stop
        if run.exit_code not in (0, None, -signal.SIGTERM):
            lines.append(f"(the server process exited with code {run.exit_code})")
        if lines:
            tracebacks = sum("Traceback" in line for line in lines)
            notes.append(f"  - server output: {len(lines)} lines, {tracebacks} tracebacks; "
                         "first 20:")  # fmt: skip
            notes += [f"    {line}" for line in lines[:20]]
        else:
            notes.append("  - server output: none (no warning, error or traceback)")
    errors = sum(run.load.error_count for run in runs)
    verdicts.append(f"- 0 errors: {'met' if errors == 0 else 'NOT met'} ({errors:,} errors in all "
                    "runs, warm-ups included)")  # fmt: skip
    pools = "; ".join(f"{name} pool: {text}" for name, text in POOLS.items()
                      if any(run.pool == name for run in runs))  # fmt: skip
    headers = ["run", "requests", "errors", "throughput (req/s)", "p50 ms", "p90 ms", "p99 ms",
               "max ms", "p99 / floor p99"]  # fmt: skip
    return "\n".join(
        [
            machine_line(),
            "",
            f"### POST /api/score: {args.clients} concurrent clients, {args.seconds:g} s per run "
            f"(after {args.warmup:g} s warm-up)",
            "",
            table(headers, rows),
            "",
            *verdicts,
            f"- Machine: {os.cpu_count()} cores shared by the load generator (one asyncio "
            "process) and the server (one uvicorn process), and by whatever else ran; "
            f"1-/5-minute load average before {averages_before[0]:.2f}/{averages_before[1]:.2f}, "
            f"after {averages_after[0]:.2f}/{averages_after[1]:.2f}.",
            f"- Load generator: httpx, {pools}; keep-alive expiry {args.keepalive_expiry:g} s, "
            f"timeout {args.timeout:g} s; the p99 ratio compares runs with the same pool.",
            f"- Records: {origin}; {len(personas.personas)} personas; {len(records)} seeded "
            f"records (seed {args.seed}), one per request; {check}.",
            "- Servers: `uvicorn.run(app, host='127.0.0.1', port=..., log_level='warning', "
            "access_log=False)`, each in its own process, `negpersona.web` logger at WARNING "
            "(its per-request info log not written).",
            *notes,
        ]
    )


if __name__ == "__main__":
    main()
