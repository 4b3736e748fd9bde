# Keyward: the two commands of the README, and a few more.
GO ?= go

.PHONY: run test test-deps build bench vet

## run: start the server with its embedded SQLite store under ./keyward-data
run:
	$(GO) run ./cmd/keyward serve

## test: install what the tests need (the AWS CLI, Chromium, a running PostgreSQL), then run
## every test; the console tests' screenshots are kept under test-artifacts/
test: test-deps vet
	@mkdir -p test-artifacts
	$(GO) test -race -count=1 -timeout 8m -artifacts -outputdir $(CURDIR)/test-artifacts ./...

test-deps:
	./scripts/install-test-deps.sh
	./scripts/postgres.sh

## vet: go vet, gofmt, and go.mod as go mod tidy leaves it (-diff prints
## the difference and fails when it is not)
vet:
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)

## build: the keyward binary in ./bin
build:
	$(GO) build -o bin/keyward ./cmd/keyward

## bench: the Go benchmarks quoted in BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
