# Deep Learning in Medicine: build the book, run the tests, start JupyterLab.
# Every target creates the virtual environment .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# requirements.lock pins the exact set for Linux x86-64 and the Python it was
# compiled with; on another Python the ranges of pyproject.toml are used.
LOCK_PYTHON := 3.11

.PHONY: help install book book-all check-site check-browser check-determinism test lab student doctor bench lint lock clean

help:
	@echo "make book      build the HTML book (every chapter executed) into _build/html"
	@echo "make test      unit tests and every notebook (pytest + nbval)"
	@echo "make book-all  build the book from scratch, as CI does"
	@echo "make check-site check the built pages (after make book)"
	@echo "make check-browser open every built page in headless Chromium and check it"
	@echo "make check-determinism run the key chapters twice and compare their glued numbers"
	@echo "make lab       open the chapters in JupyterLab"
	@echo "make student   write the student edition (no solutions, no outputs) to student/"
	@echo "make doctor    check that this machine can run the course"
	@echo "make bench     time every chapter cold and the whole book build"
	@echo "make lint      ruff over the package, tests and scripts"
	@echo "make lock      regenerate requirements.lock from pyproject.toml"
	@echo "make clean     remove the built book and caches (keeps .venv)"

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	if [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$(LOCK_PYTHON)" ]; then \
	    $(BIN)/python -m pip install -r requirements.lock && \
	    $(BIN)/python -m pip install --no-deps --no-build-isolation -e . ; \
	else \
	    echo "Python is not $(LOCK_PYTHON): installing from the ranges in pyproject.toml"; \
	    $(BIN)/python -m pip install -e ".[book,dev]" ; \
	fi
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html"

# From scratch, as CI builds it.
book-all: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# Checks of the built pages: alt text, images present, no error or stderr shown, size budget.
# These checks read BUILT_SITE if set (default _build/html), e.g. BUILT_SITE=/tmp/build/_build/html.
check-site: $(STAMP)
	CHECK_BUILT_SITE=1 $(BIN)/python -m pytest tests/test_built_site.py

# The built pages in Debian's Chromium (CHROMIUM=/path/to/chrome to use another):
# JavaScript errors, images, equations, outputs, buttons, links, search; screenshots
# go to browser-screenshots/ beside the HTML.
check-browser: $(STAMP)
	CHECK_BROWSER=1 $(BIN)/python -m pytest tests/test_browser.py

# Executes the clinical-data and imaging chapters twice each (a few minutes).
check-determinism: $(STAMP)
	CHECK_DETERMINISM=1 $(BIN)/python -m pytest tests/test_determinism.py

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lab: $(STAMP)
	$(BIN)/jupyter lab book/

# The notebooks without solutions or outputs, for a teacher to hand out (python -m companion student).
student: $(STAMP)
	$(BIN)/python -m companion student student --force

doctor: $(STAMP)
	$(BIN)/python -m companion doctor

bench: $(STAMP)
	$(BIN)/python benchmarks/chapter_times.py

lint: $(STAMP)
	$(BIN)/ruff check .

lock: $(STAMP)
	$(BIN)/pip-compile --extra book --extra dev --strip-extras --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
