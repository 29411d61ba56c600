"""Compile the quote engine's modules with mypyc, in place (run by `make`, which rebuilds when a
source changes).

The engine is plain typed Python; compiled, the same code extracts quotes about twice as fast,
which is what the speed goal of a few milliseconds per article needs on a small machine. The
compiled modules sit beside their sources (`bot/quotes/*.so`) and Python prefers them; without
them (no C compiler, `make clean`, an install from a wheel) the pure-Python sources run unchanged.
`tests/test_quotes_engine_build.py` fails when a compiled module is older than its source, so an
edit is never hidden behind a stale build.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The extraction modules (ask.py and index.py work against the database and gain little).
MODULES = ("lexicon", "model", "spans", "tokens", "mentions", "aliases", "cues", "extract", "notes", "leads")


def sources() -> list[str]:
    return [f"bot/quotes/{name}.py" for name in MODULES]


def main() -> None:
    from mypyc.build import mypycify  # mypy ships mypyc; it is a test/dev dependency
    from setuptools import setup

    os.chdir(ROOT)
    # setup() also reads the project's pyproject.toml (for the package, not this build); its
    # notes on that file's metadata are noise here.
    warnings.filterwarnings("ignore", module="setuptools")
    setup(
        name="parley-quote-engine",
        # The shared runtime library lives inside the package, so nothing at the top level of
        # sys.path is needed to import the compiled modules.
        ext_modules=mypycify(sources(), group_name="bot.quotes.engine", opt_level="3"),
        script_args=["--quiet", "build_ext", "--inplace", "--build-temp", "build/engine"],
    )
    # The copy into the package keeps the time of an unchanged earlier build; stamp the modules
    # now, since they are built from the sources as they are now.
    for compiled in (ROOT / "bot" / "quotes").glob("*.so"):
        os.utime(compiled)


if __name__ == "__main__":
    main()
