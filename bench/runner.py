"""Runs every benchmark on each database in a fresh process and prints one table.

BENCH_ONLY=<text> (`make bench ONLY=<text>`) runs only the benchmarks whose module or name
contains it. A benchmark's lines on stderr that start with "bench:" are passed through as they
come (a timeline, say); the rest of its output is shown only when it fails.
"""

import datetime as dt
import importlib
import json
import os
import pkgutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench import Benchmark

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
EMPTY = "—"


def discover(only: str = "") -> list[tuple[str, Benchmark]]:
    """(module, benchmark) of every bench/bench_*.py, or of those whose module or name
    contains `only` (ignoring case)."""
    import bench

    only = only.lower()
    found = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found += [
                (info.name, b)
                for b in module.BENCHMARKS
                if only in info.name.lower() or only in b.name.lower()
            ]
    return found


def timed(func) -> float:
    """The default figure: seconds of wall time for one call."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_pg_conninfo(PG_URL), connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _fresh_database(kind: str):
    """(DATABASE_URL, cleanup) for a database nobody else uses."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="bastion-bench-")
        path = Path(folder) / "bench.sqlite3"

        def cleanup():
            for p in Path(folder).glob("*"):
                p.unlink()
            Path(folder).rmdir()

        return f"sqlite:///{path}", cleanup
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]

    def cleanup():
        with psycopg.connect(_pg_conninfo(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", cleanup


def run_one(module: str, name: str, kind: str) -> float | dict[str, float]:
    """One run in a fresh database: the figure, or the dict of figures of a benchmark that
    has several."""
    url, cleanup = _fresh_database(kind)
    try:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", module, name],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        errors: list[str] = []

        def pass_through() -> None:
            for line in process.stderr:
                errors.append(line)
                if line.startswith("bench:"):
                    sys.stderr.write(line)
                    sys.stderr.flush()

        reader = threading.Thread(target=pass_through, daemon=True)
        reader.start()
        out = process.stdout.read()
        process.wait()
        reader.join()
        if process.returncode != 0:
            sys.stderr.write(out + "".join(errors))
            raise RuntimeError(f"{module}:{name} failed on {kind}")
        last = out.strip().splitlines()[-1]
        return json.loads(last) if last.startswith("{") else float(last)
    finally:
        cleanup()


def _measure(module: str, b: Benchmark, kinds: list[str]) -> list[dict]:
    """The benchmark's rows of the table: each figure's runs and median per database."""
    figures = b.rows()
    runs: dict[str, list[dict[str, float]]] = {}
    for kind in kinds:
        if kind not in b.databases:
            continue
        runs[kind] = []
        for n in range(b.repeat):
            value = run_one(module, b.name, kind)
            if not isinstance(value, dict):
                value = {figures[0].name: value}
            runs[kind].append(value)
            if b.figures:
                shown = ", ".join(f"{k} {v:.2f}" for k, v in value.items() if v is not None)
                print(f"bench: {b.name} on {kind}, run {n + 1}: {shown}", file=sys.stderr)
        if not b.figures:
            shown = ", ".join(f"{r[b.name]:.2f}" for r in runs[kind])
            print(f"bench: {b.name} on {kind}: {shown}", file=sys.stderr)
    if not runs:
        only = ", ".join(LABELS[k] for k in b.databases)
        print(f"bench: {b.name} runs on {only} only, not here", file=sys.stderr)
    rows = []
    for f in figures:
        row = {
            "figure": f.name,
            "group": b.name if b.figures else None,
            "module": module,
            "goal": f.goal,
            "unit": f.unit,
            "higher_is_better": f.higher_is_better,
            "information": f.information,
        }
        for kind in kinds:
            values = [r[f.name] for r in runs.get(kind, []) if r.get(f.name) is not None]
            row[kind] = statistics.median(values) if values else None
            row[f"{kind}_runs"] = values if kind in runs else None
        measured = [row[k] for k in kinds if row[k] is not None]
        if f.information or not measured:
            row["met"] = None
        else:
            row["met"] = all(
                (v >= f.goal) if f.higher_is_better else (v <= f.goal) for v in measured
            )
        rows.append(row)
    return rows


def main() -> None:
    only = os.environ.get("BENCH_ONLY", "").strip()
    found = discover(only)
    if not found:
        print(f"bench: no benchmark's module or name contains {only!r}", file=sys.stderr)
        sys.exit(2)
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    if "postgresql" not in kinds:
        print(f"bench: no PostgreSQL at {PG_URL}; its column stays empty", file=sys.stderr)
    rows = []
    for module, b in found:
        rows += _measure(module, b, kinds)
    print_table(rows)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"{stamp}.json"
    record = {"at": stamp, "databases": kinds, "only": only or None, "rows": rows}
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"\nwritten to {path.relative_to(ROOT)} (median of each figure's runs)")


def print_table(rows: list[dict]) -> None:
    """Figure, goal, one column per database (both, empty where not run), met; a group's
    title above its figures."""
    columns = list(LABELS)
    head = ["figure", "goal"] + [LABELS[k] for k in columns] + ["met"]
    body = []
    group = None
    for r in rows:
        if r.get("group") and r["group"] != group:
            body.append([r["group"]] + [""] * (len(head) - 1))
        group = r.get("group")
        name = f"  {r['figure']}" if group else r["figure"]
        if r.get("information"):
            goal = "(information)"
        else:
            goal = f"{'≥' if r.get('higher_is_better') else '≤'} {r['goal']:g} {r['unit']}"
        cells = [name, goal]
        cells += [EMPTY if r.get(k) is None else f"{r[k]:.2f} {r['unit']}" for k in columns]
        cells.append({None: EMPTY, True: "yes", False: "NO"}[r["met"]])
        body.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for cells in body:
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
