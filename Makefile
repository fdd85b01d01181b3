# Composer Assistant: `make run` sets up and launches the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH  ?= torch==2.13.0
PIP_PIN ?= pip==26.3
# Exact versions with hashes of everything but torch (README "Locked dependencies"; `make lock`).
LOCK   := requirements.lock

# Debian/Ubuntu packages: Qt's xcb platform, FluidSynth and a GM soundfont, JACK (for MIDI tests).
APT_RUN  := libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 \
            libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libegl1 \
            libgl1 libfontconfig1 libdbus-1-3 libfluidsynth3 fluid-soundfont-gm python3-venv
APT_TEST := $(APT_RUN) xvfb jackd2 xdotool imagemagick

.PHONY: run test setup setup-test system-deps system-deps-test clean benchmarks screenshot package fuzz lock lint

run: setup
	$(VENV)/bin/composer-app

test: setup-test
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q

setup: system-deps $(VENV)/.installed
setup-test: system-deps-test $(VENV)/.installed-test

system-deps:
	@APT="$(APT_RUN)" sh packaging/linux/install-system-deps.sh

system-deps-test:
	@APT="$(APT_TEST)" sh packaging/linux/install-system-deps.sh

# torch first (the CPU build where the machine has one: pip's find-links), then the lock, which the
# install never lets replace it, then this package itself without dependencies. The lock holds every
# extra (train, test, package, dev), so run, test, CI and the bundle all use the same versions.
$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q "$(PIP_PIN)"
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q --require-hashes -r $(LOCK)
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(PY) packaging/lock.py --check
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	touch $@

# Regenerate requirements.lock from pyproject.toml (uv pip compile, all extras, hashes), for the
# torch installed in .venv; commit both files. tests/test_lock.py fails while they disagree.
lock: setup
	$(PY) packaging/lock.py
	rm -f $(VENV)/.installed
	$(MAKE) setup

# Lint alone (make test runs the same through tests/test_lint.py).
lint: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Refresh the README's pictures from the real app under Xvfb (the same test `make test` runs).
screenshot: setup-test
	COMPOSER_APP_SCREENSHOT=docs/screenshot.png COMPOSER_APP_SCREENSHOT_THEORY=docs/screenshot-theory.png COMPOSER_APP_SCREENSHOT_WAIT=20 \
		$(PY) -m pytest -q -p no:cacheprovider tests/gui/test_app_window_xvfb.py

# Desktop bundle with PyInstaller: dist/composer-app/ (packaging/README.md). PACKAGE_ARGS=--release
# refuses to build without resources/models/default.
package: setup
	PYTHON=$(PY) sh packaging/build.sh $(PACKAGE_ARGS)

# Long fuzzing run of every importer and chord parsing (tests/fuzz/README.md); `make test` runs a short,
# derandomized one. FUZZ_EXAMPLES=N examples per test (slow importers a tenth of that), random seeds.
FUZZ_EXAMPLES ?= 5000
fuzz: setup-test
	mkdir -p build
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_STATS=build/fuzz-stats.json $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

benchmarks: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache
