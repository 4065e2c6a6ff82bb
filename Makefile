# Stowage — the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
NODE_BIN := $(shell scripts/setup-node.sh 2>/dev/null)
export PATH := $(NODE_BIN):$(PATH)

.PHONY: setup peers demo test check lint typecheck format unit integration e2e gen gen-check bench bench-operator bench-elasticsearch

setup:
	@scripts/setup.sh

peers: setup
	@scripts/peers.sh

## make demo: back up a throwaway PostgreSQL on a schedule with the standalone runtime, restore it, compare.
demo: setup
	@node --disable-warning=ExperimentalWarning examples/demo/run-demo.ts

## make test: every tier against real peers (what CI runs).
test: peers
	@$(MAKE) --no-print-directory gen-check lint typecheck
	@npx vitest run --project unit --project integration --project e2e

## make check: the quick development loop (lint + typecheck + unit tests).
check: setup
	@$(MAKE) --no-print-directory lint typecheck unit

lint:
	@npx eslint . && npx prettier --check . --log-level warn

typecheck:
	@npx tsc --noEmit

format:
	@npx prettier --write . --log-level warn

unit:
	@npx vitest run --project unit

integration: peers
	@npx vitest run --project integration

e2e: peers
	@npx vitest run --project e2e

gen:
	@node hack/gen-crds.ts && node hack/gen-catalog.ts
	@cp deploy/crds/*.yaml deploy/helm/stowage/crds/ && cp deploy/catalog/*.yaml deploy/helm/stowage/catalog/

## Fails when generated files (CRDs, catalog) differ from what is committed.
gen-check: gen
	@git diff --exit-code -- deploy/crds deploy/catalog deploy/helm/stowage/crds deploy/helm/stowage/catalog || (echo "generated files are stale: run 'make gen' and commit" >&2; exit 1)

## make bench: PostgreSQL backup through Stowage vs pg_dumpall | restic by hand, then bench-operator and bench-elasticsearch (docs/benchmarks.md).
bench: setup
	@scripts/peers/restic.sh >/dev/null && scripts/peers/postgres.sh >/dev/null
	@node --disable-warning=ExperimentalWarning bench/pg-backup.ts
	@$(MAKE) --no-print-directory bench-operator
	@$(MAKE) --no-print-directory bench-elasticsearch

## make bench-operator: `stowage operator` with 1000 BackupConfigurations created at once, on the test control plane (docs/benchmarks.md).
bench-operator: setup
	@scripts/peers/kubernetes.sh >/dev/null
	@node --disable-warning=ExperimentalWarning bench/operator-scale.ts

## make bench-elasticsearch: ~1M documents on OpenSearch 2.19 (STOWAGE_BENCH_ES_ENGINE, STOWAGE_BENCH_ES_DOCS): read ceiling, multielasticdump dump/load, Stowage backup/restore (docs/benchmarks.md).
bench-elasticsearch: setup
	@scripts/peers/elasticdump.sh >/dev/null
	@node --disable-warning=ExperimentalWarning bench/elasticsearch.ts
