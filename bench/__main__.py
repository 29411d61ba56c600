"""`make bench`: every benchmark of the project, one after the other, printing its figures.

Run one part with `python -m bench summary` (names: see BENCHES).
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = {
    "summary": "bench.summary",
    "quotes": "bench.quotes_eval",
    "ask": "bench.quotes_ask",
    "comments": "bench.comments",
    "wire": "bench.wire",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names:
        try:
            module = importlib.import_module(BENCHES[name])
        except ModuleNotFoundError as exc:
            if exc.name == BENCHES[name]:
                continue  # not built yet
            raise
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
