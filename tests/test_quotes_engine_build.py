"""The compiled quote engine (`make` builds it with mypyc, see tools/build_engine.py) must never
hide an edit: Python prefers a module's compiled form to its source, so a compiled module older
than its source would run yesterday's rules."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUOTES = ROOT / "bot" / "quotes"


def _build_tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_engine", ROOT / "tools" / "build_engine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_compiled_module_is_older_than_its_source() -> None:
    for name in _build_tool().MODULES:
        source = QUOTES / f"{name}.py"
        for compiled in QUOTES.glob(f"{name}.*.so"):
            assert compiled.stat().st_mtime >= source.stat().st_mtime, (
                f"{compiled.name} is older than {source.name}: run `make engine` (or `make test`)"
            )


def test_the_makefile_rebuilds_on_every_compiled_source() -> None:
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"ENGINE_SRC := \$\(addprefix bot/quotes/,([^)]*)\)", makefile)
    assert listed is not None
    assert listed.group(1).split() == [f"{name}.py" for name in _build_tool().MODULES]


def test_the_engine_loaded_is_the_one_on_disk() -> None:
    """Compiled or not, the loaded extraction module comes from this checkout."""
    import bot.quotes  # noqa: F401

    path = Path(sys.modules["bot.quotes.extract"].__file__ or "")
    assert path.parent == QUOTES
    compiled = list(QUOTES.glob("extract.*.so"))
    assert (path.suffix == ".so") == bool(compiled)
