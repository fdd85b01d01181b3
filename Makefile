# Composer Assistant: `make run` sets up and launches the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH  ?= torch==2.13.0

# Debian/Ubuntu packages: Qt's xcb platform, FluidSynth and a GM soundfont, JACK (for MIDI tests).
APT_RUN  := libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 \
            libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libegl1 \
            libgl1 libfontconfig1 libdbus-1-3 libfluidsynth3 fluid-soundfont-gm python3-venv
APT_TEST := $(APT_RUN) xvfb jackd2 xdotool imagemagick

.PHONY: run test setup setup-test system-deps system-deps-test clean benchmarks screenshot package fuzz

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

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q -e .
	touch $@

# The package extra (PyInstaller) too: tests/test_packaging_build.py builds the bundle and runs it.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e ".[test,package]"
	touch $@

# Refresh the README's pictures from the real app under Xvfb (the same test `make test` runs).
screenshot: setup-test
	COMPOSER_APP_SCREENSHOT=docs/screenshot.png COMPOSER_APP_SCREENSHOT_THEORY=docs/screenshot-theory.png COMPOSER_APP_SCREENSHOT_WAIT=20 \
		$(PY) -m pytest -q -p no:cacheprovider tests/gui/test_app_window_xvfb.py

# Desktop bundle with PyInstaller: dist/composer-app/ (packaging/README.md). PACKAGE_ARGS=--release
# refuses to build without resources/models/default.
package: setup
	$(PIP) install -q -e ".[package]"
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
	rm -rf $(VENV) build dist *.egg-info
