# Parley: two commands on a fresh machine: `make run` (offline demo without DISCORD_TOKEN) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The quote engine compiled with mypyc (tools/build_engine.py); rebuilt when one of its sources
# changes. If it cannot be built, the pure-Python engine runs (slower, same answers).
ENGINE_SRC := $(addprefix bot/quotes/,lexicon.py model.py spans.py tokens.py mentions.py aliases.py cues.py extract.py notes.py leads.py)
ENGINE := build/.engine

.PHONY: run test bench lint install engine clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(ENGINE): $(ENGINE_SRC) tools/build_engine.py $(STAMP)
	mkdir -p build
	@echo "compiling the quote engine with mypyc (about a minute)"
	$(BIN)/python tools/build_engine.py || { rm -f bot/quotes/*.so; echo "mypyc build failed: the pure-Python quote engine will run"; }
	touch $(ENGINE)

install: $(STAMP) $(ENGINE)

engine: $(ENGINE)

run: $(STAMP) $(ENGINE)
	$(BIN)/parley run

test: $(STAMP) $(ENGINE)
	$(BIN)/python -m pytest -q

bench: $(STAMP) $(ENGINE)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info bot/quotes/*.so
