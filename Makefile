# Keyward: the two commands of the README, and a few more.
GO ?= go

# One version for everything: a tag (v0.1.0), git describe's longer form
# between tags, or v0.1.0-dev before the first tag.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo v0.1.0-dev+g$$(git rev-parse --short HEAD 2>/dev/null || echo unknown))
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BUILDINFO = github.com/keyward/keyward/internal/buildinfo
LDFLAGS = -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT)

.PHONY: run test test-deps warm test-packages test-clients test-deploy build dist bench vet

MODULE = github.com/keyward/keyward
# REAL_CLIENTS are the packages of tests that drive real clients (see test).
REAL_CLIENTS = console cli e2e/terraform
# NO_RACE are the packages the tests run without the race detector: those,
# the command's, whose tests start whole servers, and guardbench's, whose
# test runs keyward, Versity S3 Gateway and nginx as processes (see test).
# The S3 client guardbench imports is compiled once so, not a second time
# under the race detector.
NO_RACE = $(REAL_CLIENTS) cmd/keyward bench/guardbench
# RACED expands, in a recipe's shell, to the packages whose tests run with
# the race detector: those with tests, but NO_RACE. UNTESTED expands to the
# packages without tests (the helpers of other packages' tests), which go
# test only compiles: it compiles them without the race detector, beside
# NO_RACE, where what they import is compiled anyway.
RACED = $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | grep -v -x -F $(addprefix -e $(MODULE)/,$(NO_RACE)))
UNTESTED = $$($(GO) list -f '{{if not (or .TestGoFiles .XTestGoFiles)}}{{.ImportPath}}{{end}}' ./...)
# RACE_FLAGS build with the race detector, SQLite's C translated to Go
# (modernc.org/libc and modernc.org/sqlite/lib) without its
# instrumentation (see test), and -trimpath as every build here: a
# package's compiled form then depends on its source, not on the
# directory it was cloned into, so that a second clone on a machine (CI's)
# takes every package from the build cache the first filled.
#
# Only those two packages: a package compiled with -race=false compiles
# its atomics as plain loads and stores, and the linker keeps one copy of
# each generic function's instantiation for the whole binary. The driver
# (modernc.org/sqlite) uses sync.Map; uninstrumented, its copy of the
# generic HashTrieMap served every sync.Map of the test binary, the type
# caches of encoding/json and encoding/xml among them, and the race
# detector, blind to their publication, reported races inside them. The
# translated C instantiates no generic of the standard library's that
# another package shares.
RACE_FLAGS = -race -gcflags=modernc.org/libc/...=-race=false -gcflags=modernc.org/sqlite/lib=-race=false -trimpath
# RELEASE_ENV is the build of a release (deploy/dist: static, -trimpath),
# which vet and the tests without the race detector build alike, the
# keyward binaries the tests run included: each package is compiled once
# for them all, the release test's build too, not once for each.
RELEASE_ENV = CGO_ENABLED=0 GOFLAGS=-trimpath

# BENCH_ONCE runs every benchmark once, in the test binaries make test
# builds anyway: a benchmark nobody runs stops working unseen (three of
# them seeded rows the accounts migration had made invalid, and the
# numbers BENCHMARKS.md quotes could not be measured again). Once each,
# with -short on go test's line beside it (the benchmarks of scale seed
# thousands of rows, not their hundred thousand: the run shows that they
# work, not what they measure), they add seconds; make bench measures.
#
# The flags go to the test binaries (-args, after the packages), not to
# go test: given -bench, go test runs the packages' test binaries one at
# a time, so that no benchmark measures beside another, and make test's
# second core sat idle through every package's tests (the race
# detector's packages took 205 s so, 152 s now). Run once, the
# benchmarks measure nothing to be disturbed.
BENCH_ONCE = -args -test.bench=. -test.benchtime=1x

## run: start the server with its embedded SQLite store under ./keyward-data
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/keyward serve

## test: install what the tests need (the AWS CLI, Chromium, a running PostgreSQL, podman), then run
## every test, the packaging module's (deploy/) too; the console tests' screenshots are kept under test-artifacts/
test:
	# What the tests need is installed while what they run is compiled:
	# installing is mostly waiting for the network and the disk.
	$(MAKE) --no-print-directory -j 2 test-deps warm
	$(MAKE) --no-print-directory vet
	@mkdir -p test-artifacts
	# The packaging module's tests wait for podman and the disk more than
	# they compute (both cores were busy for 58% of their 45 s alone), and
	# the package tests leave a core idle a sixth of the time: together.
	# The real clients' tests keep both cores busy alone: after them.
	$(MAKE) --no-print-directory -j 2 test-packages test-deploy
	$(MAKE) --no-print-directory test-clients

# test-packages runs the packages' tests with the race detector, which
# instruments every package but SQLite's C translated to Go:
# instrumented, its every memory access is checked, and the store's tests
# took ten times the CPU. Keyward's own code around it, the store's
# included, stays checked. Every benchmark runs once too (BENCH_ONCE),
# after its package's tests.
#
# Three test binaries at a time, not go test's one a core: some wait more
# than they compute (the store's against PostgreSQL: 21 s for a few
# CPU-seconds), and with two the cores sat idle a fifth of the phase
# (beside the packaging module's tests: 100 s with two, 80-86 s with
# three, no faster with four).
test-packages:
	@mkdir -p test-artifacts
	$(GO) test $(RACE_FLAGS) -p 3 -count=1 -timeout 8m -short -artifacts -outputdir $(CURDIR)/test-artifacts $(RACED) $(BENCH_ONCE)

# test-clients runs the tests of the packages that drive real clients
# against a server in their process (Chromium, the AWS CLI, Terraform) and
# the command's, whose tests start whole servers, without the race
# detector: they run the server code the package tests run under it, at a
# third of the time they take with it. It compiles the packages without
# tests (UNTESTED) too.
#
# GOGC=400 (the tests', the keyward processes' and Terraform's AWS
# provider's, which inherit it) trades memory, of which the machine has
# plenty, for collector time: these tests' CPU, with both cores busy
# throughout, fell by a sixth (Terraform's from 54 to 41 CPU-seconds, the
# console's and the command's from 96 to 87). The race detector's packages
# took the same CPU either way, and keep Go's default.
test-clients:
	@mkdir -p test-artifacts
	GOGC=400 $(RELEASE_ENV) $(GO) test -count=1 -timeout 8m -short -artifacts -outputdir $(CURDIR)/test-artifacts $(addprefix ./,$(NO_RACE)) $(UNTESTED) $(BENCH_ONCE)

# test-deploy runs the packaging module's tests one package at a time: the
# release build and the image build compile keyward alike, and the second
# takes the first's compiled packages.
test-deploy:
	cd deploy && $(RELEASE_ENV) $(GO) test -count=1 -p 1 -timeout 15m ./...

## warm: compile, without linking or running anything, what make test runs: the packages and
## their tests with the race detector (RACED) and without it (NO_RACE, UNTESTED), keyward for
## darwin/arm64 (deploy/'s TestCrossBuild), and the packaging module's packages (Helm's and
## Kubernetes' among them, which vet compiled alone before, after the tools were installed); go
## list -export compiles each package into the build cache
warm:
	$(GO) list -e $(RACE_FLAGS) -export -test -deps $(RACED) >/dev/null
	$(RELEASE_ENV) $(GO) list -e -export -test -deps $(addprefix ./,$(NO_RACE)) $(UNTESTED) >/dev/null
	GOFLAGS= CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) list -e -trimpath -export -deps ./cmd/keyward >/dev/null
	cd deploy && $(RELEASE_ENV) $(GO) list -e -export -test -deps ./... >/dev/null

test-deps:
	./scripts/install-test-deps.sh
	./scripts/postgres.sh

## vet: go vet, gofmt, and go.mod as go mod tidy leaves it (-diff prints
## the difference and fails when it is not)
vet:
	$(RELEASE_ENV) $(GO) vet ./...
	$(GO) mod tidy -diff
	cd deploy && $(RELEASE_ENV) $(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)

## build: the keyward binary in ./bin
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/keyward ./cmd/keyward

## dist: static binaries (linux/amd64, linux/arm64, darwin/arm64), .deb and .rpm packages and SHA256SUMS in dist/
dist:
	cd deploy && $(GO) run ./cmd/dist -root .. -out ../dist -version $(VERSION) -commit $(COMMIT)

## bench: the Go benchmarks quoted in BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
