# Setup is two commands: `make demo` and `make test`. `make install` is the shared step.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test test-quick demo clean

install: $(STAMP)

# Re-installs only when the project's metadata changed, so repeated runs take a second.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest -q

# The quick subset: no end-to-end/crash tests, no browser (under a minute on 2 cores).
test-quick: install
	$(BIN)/python -m pytest -q -m "not slow and not browser"

# The demo's data goes to $UNIONNEWS_HOME, by default a folder in the checkout.
UNIONNEWS_HOME ?= $(CURDIR)/demo-home
demo: install
	UNIONNEWS_HOME=$(UNIONNEWS_HOME) $(BIN)/unionnews demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
