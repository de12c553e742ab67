"""One benchmark in one process: migrate (untimed), set up (untimed), measure; print the figure."""

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
    print(f"{figure:.6f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
