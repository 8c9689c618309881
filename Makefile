# Two commands: `make run` (set up, migrate, load demo data, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/cunzhan
HOST ?= 127.0.0.1:8000

.PHONY: run test lint typecheck test-sqlite test-postgres test-visual bench clean

$(BIN)/cunzhan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(BIN)/cunzhan

run: $(BIN)/cunzhan
	DEBUG=true $(BIN)/cunzhan migrate --noinput -v0
	DEBUG=true $(BIN)/cunzhan demo
	@echo "打开 http://$(HOST)/ 用上面的演示账号登录（Ctrl+C 停止服务和后台任务进程）"
	DEBUG=true scripts/run-with-worker $(BIN) $(HOST)

lint: $(BIN)/cunzhan
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over the assessment engine, the services, the selectors and the scoping (pyproject.toml, [tool.mypy])
typecheck: $(BIN)/cunzhan
	$(BIN)/mypy

test-sqlite: $(BIN)/cunzhan
	$(BIN)/pytest -q -n 2 --dist loadfile

test-postgres: $(BIN)/cunzhan
	@scripts/with-postgres $(PG_URL) $(BIN)/pytest -q -n 2 --dist loadfile

test: lint typecheck test-sqlite test-postgres

# every page of every role in Chromium at 1366 and 360 px, on both databases (minutes; CI runs it);
# the screenshots and what was wrong: test-artifacts/visual/index.html
test-visual: $(BIN)/cunzhan
	$(BIN)/pytest -q -m visual
	@scripts/with-postgres $(PG_URL) $(BIN)/pytest -q -m visual

clean:
	rm -rf $(VENV) var
