"""One benchmark in one process: migrate (untimed), set up (untimed), measure; print the figure.

The last line of stdout is the figure, or a JSON object of figures for a benchmark with
several; lines on stderr that start with "bench:" reach the user (bench.runner passes them).
"""

import json
import os
import sys


def main(module: str, name: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    import importlib

    bench = next(b for b in importlib.import_module(f"bench.{module}").BENCHMARKS if b.name == name)
    measure = bench.setup()
    figure = measure()
    if isinstance(figure, dict):
        # None: a figure this run could not give (it stays out of the medians).
        print(json.dumps({k: None if v is None else float(v) for k, v in figure.items()}))
    else:
        print(f"{figure:.6f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
