# The single entry point of the course. Needs only python3 (>= 3.10, with venv and pip) and make.
#
#   make course   install into .venv, execute every notebook headless, write build/index.html,
#                 the results file and the verdict tables generated from it
#   make test     install into .venv, run the unit tests and check the notebooks (nbval-lax)
#   make quick    the quick tier: the unit tests not marked slow, no notebooks, no browser (minutes)
#   make clean    remove build/ (keeps .venv and data/)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# torch is installed first and pinned: a bare `torch` requirement would pull a multi-GB CUDA
# build; the pinned CPU wheel is the one the course is tested with (same pin as constraints.txt).
TORCH  ?= torch==2.13.0
TIMEOUT ?= 900

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONHASHSEED := 0
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export DIFFUSERS_VERBOSITY := error
export TRANSFORMERS_VERBOSITY := error

.PHONY: course test quick venv clean

# The notebooks run and are written back; then the readings behind every verdict are written to
# data/results/readings.json (each point read from build/points, nothing drawn again), and the
# verdict tables of README.md and docs/results.md are generated from that file.
course: $(STAMP)
	$(PY) -m lora_course.report --notebooks notebooks --out build --timeout $(TIMEOUT) --in-place
	$(PY) scripts/claim_readings.py
	$(PY) -m lora_course.report --tables

# Unit tests run as usual; nbval only collects the notebooks (.ipynb), executing each one and
# failing on errors without comparing outputs (--nbval-lax). $(wildcard): a fresh clone has no
# notebooks/ folder until a notebook is committed.
test: $(STAMP)
	$(PY) -m pytest --nbval-lax -q tests $(wildcard notebooks)

# The quick tier, for the edit-test loop: what `make test` runs less the notebooks, the browser
# and the tests marked slow (`@pytest.mark.slow`: the shipped models, drawing, training).
quick: $(STAMP)
	$(PY) -m pytest -q -m "not slow" tests --ignore=tests/test_browser.py

venv: $(STAMP)

# Re-installs only when the dependencies change (the stamp is older than them).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

clean:
	rm -rf build
