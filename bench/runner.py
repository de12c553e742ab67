"""Runs every benchmark on each database in a fresh process and prints one table."""

import datetime as dt
import importlib
import json
import os
import pkgutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def discover():
    import bench

    found = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found += [(info.name, b) for b in module.BENCHMARKS]
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


def run_one(module: str, name: str, kind: str) -> float:
    url, cleanup = _fresh_database(kind)
    try:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        out = subprocess.run(
            [sys.executable, "-m", "bench.worker", module, name],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            sys.stderr.write(out.stdout + out.stderr)
            raise RuntimeError(f"{module}:{name} failed on {kind}")
        return float(out.stdout.strip().splitlines()[-1])
    finally:
        cleanup()


def main() -> None:
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    if "postgresql" not in kinds:
        print(f"bench: no PostgreSQL at {PG_URL}; its column stays empty", file=sys.stderr)
    rows = []
    for module, b in discover():
        row = {"figure": b.name, "goal": b.goal, "unit": b.unit}
        for kind in kinds:
            runs = [run_one(module, b.name, kind) for _ in range(b.repeat)]
            row[kind] = statistics.median(runs)
            row[f"{kind}_runs"] = runs
            print(
                f"bench: {b.name} on {kind}: " + ", ".join(f"{r:.2f}" for r in runs),
                file=sys.stderr,
            )
        row["higher_is_better"] = b.higher_is_better
        row["met"] = all(
            (row[k] >= b.goal) if b.higher_is_better else (row[k] <= b.goal) for k in kinds
        )
        rows.append(row)
    print_table(rows, kinds)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"{stamp}.json"
    path.write_text(json.dumps({"at": stamp, "databases": kinds, "rows": rows}, indent=2))
    print(f"\nwritten to {path.relative_to(ROOT)} (median of each figure's runs)")


def print_table(rows, kinds) -> None:
    head = (
        ["figure", "goal"]
        + [{"sqlite": "SQLite", "postgresql": "PostgreSQL"}[k] for k in kinds]
        + ["met"]
    )
    body = []
    for r in rows:
        bound = "≥" if r.get("higher_is_better") else "≤"
        cells = [r["figure"], f"{bound} {r['goal']:g} {r['unit']}"]
        cells += [f"{r[k]:.2f} {r['unit']}" for k in kinds]
        cells.append("yes" if r["met"] else "NO")
        body.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for cells in body:
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))
