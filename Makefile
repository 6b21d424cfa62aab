# Deep Learning in Medicine: build the book, run the tests, start JupyterLab.
# Every target creates the virtual environment .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# requirements.lock pins the exact set for Linux x86-64 and the Python it was
# compiled with; on another platform or Python the ranges of pyproject.toml are
# used (tests/test_makefile.py checks the choice for each case).
LOCK_PYTHON   := 3.11
LOCK_PLATFORM := Linux-x86_64
PLATFORM   ?= $(shell uname -s)-$(shell uname -m)
PY_VERSION ?= $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
EXTRAS     := tensorflow,lab,classroom,book,dev
# LATEST=1 (make install LATEST=1, the weekly CI job): the newest releases within the ranges of
# pyproject.toml instead of the lock, upgraded in place in the same .venv, even if it is installed.
LATEST     ?=
USE_LOCK   := $(if $(LATEST),,$(and $(filter $(LOCK_PLATFORM),$(PLATFORM)),$(filter $(LOCK_PYTHON),$(PY_VERSION))))
# The reader's edition (make notebooks) and a learner's own copy of it (make lab), which
# make clean and rebuilds never touch.
EDITION       := _build/notebooks
LEARNER_COPY  ?= my-notebooks

.PHONY: FORCE help install book book-all notebooks pdf tex check-pdf book-zh notebooks-zh translations site check-translations check-chinese wheel check-site check-edition check-install check-browser check-determinism check-classroom test lab student classroom node-tools doctor bench lint lint-tools lock clean

help:
	@echo "make book      build the HTML book (every chapter executed) into _build/html"
	@echo "make test      unit tests and every notebook (pytest + nbval)"
	@echo "make book-all  build the book from scratch, as CI does"
	@echo "make notebooks write the reader's edition (plain Jupyter, numbers from the book) to $(EDITION)"
	@echo "make pdf       the whole book as one PDF, English and Chinese, in _build/pdf (after make book book-zh; make tex once)"
	@echo "make tex       install TeX Live (XeLaTeX, xeCJK) from Debian's packages, for make pdf (root or sudo)"
	@echo "make check-pdf check the PDFs against the sites: outline, numbers, figures, references, the LaTeX log"
	@echo "make book-zh   build the Chinese site into $(ZH_SITE) (after make book: no chapter runs again)"
	@echo "make notebooks-zh write the Chinese reader's and student editions to $(ZH_EDITION), $(ZH_STUDENT) (after make book-zh)"
	@echo "make translations bring the catalogs in locales/ up to date with the English text (after make book)"
	@echo "make site      both languages as published: English in _build/site, Chinese in _build/site/zh_CN"
	@echo "make check-translations the catalogs complete and up to date with the English text"
	@echo "make check-chinese the Chinese site: no execution, same numbers, in Chromium (after make site)"
	@echo "make wheel     build the companion's wheel into dist/"
	@echo "make check-site check the built pages (after make book notebooks)"
	@echo "make check-edition check the reader's and the student edition (after make notebooks)"
	@echo "make check-install install the wheel cleanly and in a simulated Colab, run two chapters there"
	@echo "make check-browser open every built page in headless Chromium and check it"
	@echo "make check-determinism compare every chapter's glued numbers in the tests' run and the book build"
	@echo "make classroom start a JupyterHub for a class on this machine (as root: one account per student)"
	@echo "make check-classroom a simulated class of $(STUDENTS) at that hub, as root (after make notebooks)"
	@echo "make lab       open your own copy of the chapters ($(LEARNER_COPY)/) in JupyterLab"
	@echo "make student   write the student edition (no solutions, no outputs) to student/"
	@echo "make doctor    check that this machine can run the course"
	@echo "make bench     time every chapter cold and the whole book build"
	@echo "make lint      ruff, schemas of CITATION.cff and the workflows, zizmor, duplicated code"
	@echo "make lock      regenerate requirements.lock from pyproject.toml"
	@echo "make clean     remove the built book and caches (keeps .venv)"

$(STAMP): requirements.lock pyproject.toml $(if $(LATEST),FORCE)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
ifneq ($(USE_LOCK),)
	$(BIN)/python -m pip install -r requirements.lock
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
else ifneq ($(LATEST),)
	@echo "LATEST=$(LATEST): upgrading to the newest releases within the ranges of pyproject.toml"
	$(BIN)/python -m pip install --upgrade -e ".[$(EXTRAS)]"
else
	@echo "$(PLATFORM), Python $(PY_VERSION): the lock is for $(LOCK_PLATFORM), Python $(LOCK_PYTHON); installing from the ranges of pyproject.toml"
	$(BIN)/python -m pip install -e ".[$(EXTRAS)]"
endif
	touch $(STAMP)

FORCE:

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html"

# From scratch, as CI builds it.
book-all: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# The reader's edition: every chapter as plain Jupyter Markdown with the built book's numbers,
# a first cell that installs the companion where it is missing, and binder/ for Binder. A copy
# goes beside the site (its download buttons) with the wheel that the first cell installs.
notebooks: $(STAMP) wheel
	test -f _build/html/index.html || { echo "build the book first: make book" >&2; exit 1; }
	rm -rf $(EDITION)
	$(BIN)/python -m companion edition $(EDITION)
	cp -r binder $(EDITION)/
	rm -rf _build/html/notebooks _build/html/wheels
	cp -r $(EDITION) _build/html/notebooks
	mkdir -p _build/html/wheels && cp dist/*.whl _build/html/wheels/

# The Chinese edition, from the gettext catalogs in locales/zh_CN (scripts/build_book.py): its site
# reads every executed chapter from the English build's cache, and its reader's edition is
# converted from the translated Markdown. make site puts both languages together as published.
ZH_SITE    := _build/zh_CN/html
ZH_EDITION := _build/notebooks-zh
ZH_STUDENT := _build/student-zh
translations: $(STAMP)
	$(BIN)/python scripts/build_book.py --builder gettext
	$(BIN)/sphinx-intl update --pot-dir _build/gettext/pot --language zh_CN --locale-dir locales --line-width 76

book-zh: $(STAMP)
	test -f _build/html/index.html || { echo "build the English book first: make book" >&2; exit 1; }
	$(BIN)/python scripts/build_book.py --language zh_CN
	@echo "Open $(ZH_SITE)/index.html"

notebooks-zh: $(STAMP)
	test -f $(ZH_SITE)/index.html || { echo "build the Chinese site first: make book-zh" >&2; exit 1; }
	rm -rf $(ZH_EDITION)
	$(BIN)/python -m companion edition $(ZH_EDITION) --language zh_CN
	cp -r binder $(ZH_EDITION)/
	rm -rf $(ZH_SITE)/notebooks && cp -r $(ZH_EDITION) $(ZH_SITE)/notebooks
	$(BIN)/python -m companion student $(ZH_STUDENT) --from $(ZH_EDITION) --force

# The whole book as one PDF per language (scripts/build_pdf.py): Sphinx's LaTeX builder and XeLaTeX,
# from the English build's execution cache, so no chapter runs again. TeX Live comes from Debian's
# packages; make tex installs what is missing (as root, or with sudo).
TEX_PACKAGES := texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
                texlive-lang-chinese fonts-freefont-otf fonts-dejavu-core fonts-wqy-microhei \
                fonts-arphic-gbsn00lp fonts-arphic-gkai00mp latexmk librsvg2-bin poppler-utils
# The fonts that book/_ext/latex_book.py names, each of which XeLaTeX must find.
TEX_FONTS := FreeSerif FreeSans "DejaVu Sans Mono" "WenQuanYi Micro Hei" "AR PL SungtiL GB" "AR PL KaitiM GB"
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
tex:
	@if ( for tool in xelatex latexmk rsvg-convert pdftotext; do command -v $$tool >/dev/null || exit 1; done \
	      && kpsewhich xeCJK.sty >/dev/null && kpsewhich zhnumber.sty >/dev/null \
	      && for font in $(TEX_FONTS); do fc-list -q "$$font" || exit 1; done ); then echo "TeX Live and the fonts are installed"; \
	else $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(TEX_PACKAGES); fi

pdf: $(STAMP)
	test -f _build/html/index.html || { echo "build the English book first: make book" >&2; exit 1; }
	$(BIN)/python scripts/build_pdf.py
	test ! -f $(ZH_SITE)/index.html || $(BIN)/python scripts/build_pdf.py --language zh_CN

check-pdf: $(STAMP)
	CHECK_PDF=1 $(BIN)/python -m pytest tests/test_pdf.py

site:
	test -f _build/html/index.html && test -f $(ZH_SITE)/index.html || { echo "build both first: make book book-zh" >&2; exit 1; }
	rm -rf _build/site && mkdir -p _build/site
	cp -al _build/html/. _build/site/ && cp -al $(ZH_SITE) _build/site/zh_CN

check-translations: $(STAMP)
	CHECK_TRANSLATIONS=1 $(BIN)/python -m pytest tests/test_translations.py

check-chinese: $(STAMP)
	CHECK_CHINESE=1 $(BIN)/python -m pytest -n 2 tests/test_chinese_site.py

# build/ is setuptools' scratch folder: a stale one could put deleted modules into the wheel.
wheel: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m build --wheel --no-isolation --outdir dist .
	rm -rf build

# Checks of the built pages: alt text, images present, no error or stderr shown, size budget.
# These checks read BUILT_SITE if set (default _build/html), e.g. BUILT_SITE=/tmp/build/_build/html.
check-site: $(STAMP)
	CHECK_BUILT_SITE=1 $(BIN)/python -m pytest tests/test_built_site.py tests/test_reader_links.py

# The built pages in Debian's Chromium (CHROMIUM=/path/to/chrome to use another):
# JavaScript errors, images, equations, outputs, buttons, links, search; screenshots
# go to browser-screenshots/ beside the HTML.
# The reader's edition against the built site: no MyST left, every number and link present;
# the student edition made from it, and one of its chapters run top to bottom.
check-edition: $(STAMP)
	CHECK_READER_EDITION=1 $(BIN)/python -m pytest tests/test_reader_edition_built.py tests/test_student_edition.py

# The wheel where readers install it, from the wheels .ci/wheelhouse downloaded: a clean
# environment outside the checkout, and a simulated Colab runtime with its own TensorFlow
# that runs the clinical-data and imaging chapters of the reader's edition.
check-install: $(STAMP)
	CHECK_WHEEL=1 CHECK_COLAB=1 $(BIN)/python -m pytest -n 2 --dist loadfile tests/test_wheel_install.py tests/test_colab.py

# Two browsers side by side: axe-core's checks keep Chromium busy on one core each.
check-browser: $(STAMP)
	test -n "$(BUILT_SITE)" || test -f _build/site/zh_CN/index.html || { echo "assemble the site first: make book book-zh pdf site" >&2; exit 1; }
	CHECK_BROWSER=1 BUILT_SITE=$(or $(BUILT_SITE),_build/site) $(BIN)/python -m pytest -n 2 tests/test_browser.py

# Executes nothing: compares the numbers every chapter glued in the tests' run (nbval, with
# COMPANION_GLUE_RECORD=$(GLUE_RECORD), as .ci/run sets it) and in the book build.
GLUE_RECORD ?= reports/glue-nbval
check-determinism: $(STAMP)
	CHECK_DETERMINISM=1 COMPANION_GLUE_RECORD=$(GLUE_RECORD) $(BIN)/python -m pytest tests/test_determinism.py

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -rs

# A learner's own copy of the reader's edition, made once (python -m companion start) and
# then only opened: edits survive make clean and rebuilds. Jupyter refuses root without --allow-root.
lab: $(STAMP)
	test -d $(LEARNER_COPY) || { test -d $(EDITION) || $(MAKE) book notebooks; \
	    $(BIN)/python -m companion start $(LEARNER_COPY); }
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LEARNER_COPY)

# The notebooks without solutions or outputs, for a teacher to hand out (python -m companion student).
student: $(STAMP)
	test -d $(EDITION) || $(MAKE) book notebooks
	$(BIN)/python -m companion student student --force

# A JupyterHub for a class on this machine, on 127.0.0.1 (python -m companion classroom --help:
# CLASSROOM_ARGS="--students 30 --address 0.0.0.0"). As root, one Unix account per student with a
# password of its own; otherwise a single-account demonstration. Ctrl-C stops everything;
# CLASSROOM_ARGS=--remove deletes the students' accounts and their files.
CLASSROOM_ARGS ?=
classroom: $(STAMP) $(NODE_TOOLS)
	test -d $(EDITION) || $(MAKE) book notebooks
	$(BIN)/python -m companion classroom $(CLASSROOM_ARGS)

# As root, after make notebooks: the classroom's security and faults (tests/test_classroom*.py),
# then a simulated class of STUDENTS learners who each pull the student edition and run the
# clinical-data chapter in their own server (companion.simulated_class; --dry to skip the chapter).
STUDENTS ?= 4
check-classroom: $(STAMP) $(NODE_TOOLS)
	CHECK_CLASSROOM=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_classroom.py tests/test_classroom_signals.py tests/test_classroom_demo.py
	$(BIN)/python -m companion.simulated_class --students $(STUDENTS)

doctor: $(STAMP)
	$(BIN)/python -m companion doctor

bench: $(STAMP)
	$(BIN)/python benchmarks/chapter_times.py

# The tools of package-lock.json, installed by npm ci (online): jscpd for make lint, and
# configurable-http-proxy, the proxy in front of the classroom's JupyterHub.
JSCPD      := node_modules/.bin/jscpd
PROXY      := node_modules/.bin/configurable-http-proxy
NODE_TOOLS := node_modules/.installed

# Style and errors (ruff); the citation file and the workflows against their schemas; the
# workflows' security audit (zizmor, offline: no look-up of action versions); and no block of
# six or more lines repeated in the package, within a file or across files, also with other
# names (jscpd, from package-lock.json: `make lint-tools`, online, installs it).
lint: $(STAMP) $(NODE_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/check-jsonschema --builtin-schema vendor.citation-file-format CITATION.cff
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --no-progress .github/workflows
	$(JSCPD) --min-lines 6 --ignore-identifiers --format python --no-colors --exit-code 1 companion

node-tools: $(NODE_TOOLS)
lint-tools: node-tools

$(NODE_TOOLS): package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_TOOLS)

# --build-deps-for wheel: pip-compile then resolves from the metadata that the build backend
# writes, which keeps the platform markers of the tensorflow extra (its static reading of
# pyproject.toml drops them and would lock tensorflow and tensorflow-cpu together).
lock: $(STAMP)
	$(BIN)/pip-compile --build-deps-for wheel --extra tensorflow --extra lab --extra classroom --extra book --extra dev --strip-extras --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf _build dist .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
