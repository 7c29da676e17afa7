# Two entry points: `make run` (set up, then run the main job) and `make test` (set up, then test).
# Both work on a fresh Debian machine: they install the system packages and the virtualenv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# PortAudio + JACK (dummy server for tests), fluidsynth (instrument renders) and a small GM SoundFont for
# its test (fluidr3mono-gm-soundfont: not a reserved package), libsndfile, Qt's xcb needs.
SYSTEM_PACKAGES := libportaudio2 jackd2 fluidsynth fluidr3mono-gm-soundfont libsndfile1 \
	libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0

.PHONY: run test mutate system venv clean

# The app where there is a display; the file demo where there is none.
run: venv
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then $(BIN)/livedenoise gui; else $(BIN)/livedenoise demo; fi

# Lint and format first (ruff, settings in pyproject.toml): the import contract is a test.
test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Named bugs in the real-time core, each on a copy of the committed tree, against the tests that
# should catch them (tens of minutes: not part of `make test`; the last result is in docs/mutants.md).
mutate: venv
	nice -n 10 $(BIN)/python tests/mutate.py

system: $(VENV)/.system
$(VENV)/.system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@[ -d $(VENV) ] || $(PYTHON) -m venv $(VENV)
	touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: $(VENV)/.system pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	# exactly this torch: other specs pull a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[gui,train,bench,dev,peers,cluster,midi]'
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
