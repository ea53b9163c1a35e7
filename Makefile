# Kabinet - a newcomer's commands: make run, make test, make bench, make lint,
# make build, make deploy. Everything they need installs from the Go module
# proxy and npm (pinned in go.sum and infra/package-lock.json).

SHELL        := /bin/bash
GO           ?= go
STATICCHECK  := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUNCTIONS    := $(notdir $(wildcard functions/*))
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
NODE_STAMP   := infra/node_modules/.installed
SPECTRAL     := infra/node_modules/.bin/spectral
FN           ?= health
EVENT        ?= events/health-get.json
LOCALSTACK   ?= http://127.0.0.1:4566

# The samconfig.toml environment make deploy uses (make deploy ENV=prod). Only
# the command line sets it: a shell's own ENV (sh's start-up file) is not it.
ifneq ($(origin ENV),command line)
ENV := default
endif
# "yes" when samconfig.toml holds deploy parameters for $(ENV): a
# [$(ENV).deploy.parameters] section and a stack_name (there or in
# [$(ENV).global.parameters]). Until then make deploy is guided, and
# sam deploy --guided writes them.
DEPLOY_CONFIGURED = $(shell awk -v env='$(ENV)' ' \
  /^[[:space:]]*\[/ { sec = $$0; gsub(/[][[:space:]]/, "", sec); if (sec == env ".deploy.parameters") deploy = 1; next } \
  /^[[:space:]]*stack_name[[:space:]]*=/ && (sec == env ".deploy.parameters" || sec == env ".global.parameters") { stack = 1 } \
  END { if (deploy && stack) print "yes" }' samconfig.toml 2>/dev/null)

.PHONY: help deps tools run run-localstack localstack-up localstack-down test test-unit test-e2e bench fuzz lint build deploy invoke clean

help:
	@echo "make run        - the whole API on the local stack with demo data (Ctrl-C stops it)"
	@echo "make test       - unit, integration and end-to-end tests (starts the local stack itself)"
	@echo "make bench      - every function's cold start (init p50/p90, arm64 size, AWS calls in init; COLDSTARTS=30),"
	@echo "                 per-request CPU/allocations, DynamoDB calls"
	@echo "make lint       - gofmt, go vet, staticcheck, go mod tidy check, Spectral on the OpenAPI document, template.yaml against the CloudFormation spec"
	@echo "make fuzz       - every fuzz target, FUZZTIME each (default 15s)"
	@echo "make build      - Lambda bootstraps for arm64 (sam build when SAM CLI is installed)"
	@echo "make deploy     - sam build and deploy, ENV=default|prod (guided until samconfig.toml has that env's deploy parameters)"
	@echo "make invoke FN=health EVENT=events/health-get.json - invoke one function with a sample event on the local stack"
	@echo "make run-localstack - the same functions against LocalStack (needs Docker)"

# Node emulators (cognito-local, aws-ses-v2-local), the API reference viewer
# (swagger-ui-dist) and what make lint checks with (Spectral, the CloudFormation
# resource specification), pinned by the lock file.
$(NODE_STAMP): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Independent checkers the tests use (pdftotext, qpdf, oathtool) from Debian
# packages, when they are missing and apt-get can run (root or sudo -n).
TEST_TOOLS := pdftotext qpdf oathtool
tools:
	@missing=$$(for t in $(TEST_TOOLS); do command -v $$t >/dev/null || echo $$t; done); \
	  if [ -n "$$missing" ]; then \
	    sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	    echo "installing poppler-utils qpdf oathtool (missing: $$missing)"; \
	    $$sudo apt-get install -y -q poppler-utils qpdf oathtool >/dev/null 2>&1 || \
	    { $$sudo apt-get update -q >/dev/null 2>&1 && $$sudo apt-get install -y -q poppler-utils qpdf oathtool >/dev/null 2>&1; } || \
	    echo "warning: could not install $$missing; tests that need them will fail or skip"; fi

deps: $(NODE_STAMP) tools
	$(GO) mod download

run: deps
	$(GO) run ./infra/local

# Every package with the race detector. The summary counts packages: a
# package's result line is "ok <pkg>" or "FAIL <pkg> ..." (a bare FAIL line
# closes a failing package's output and is not counted again).
test: deps
	$(GO) test -race -count=1 -timeout 25m ./... 2>&1 | tee .test-output.txt; status=$${PIPESTATUS[0]}; \
	  passed=$$(grep -cE '^ok[[:space:]]+[^[:space:]]' .test-output.txt); \
	  failed=$$(grep -cE '^FAIL[[:space:]]+[^[:space:]]' .test-output.txt); \
	  echo "packages: $$passed passed, $$failed failed"; rm -f .test-output.txt; exit $$status

test-unit:
	$(GO) test -count=1 -short ./shared/... ./functions/... ./infra/...

test-e2e: deps
	$(GO) test -count=1 -timeout 20m -v ./tests/...

# COLDSTARTS: how many cold starts BenchmarkColdStart makes of each function.
COLDSTARTS ?= 30
bench: deps
	KABINET_COLDSTARTS=$(COLDSTARTS) $(GO) test -run '^$$' -bench . -benchmem -benchtime 200x ./...

# Every fuzz target of the project, FUZZTIME each.
FUZZTIME ?= 15s
fuzz:
	@for pkg in $$($(GO) list ./shared/... ./infra/...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done; done

lint: $(NODE_STAMP)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@tmp=$$(mktemp -d); cp go.mod go.sum $$tmp/; $(GO) mod tidy; \
	  if ! cmp -s go.mod $$tmp/go.mod || ! cmp -s go.sum $$tmp/go.sum; then \
	    echo "go mod tidy changes go.mod/go.sum:"; diff -u $$tmp/go.mod go.mod; diff -u $$tmp/go.sum go.sum; \
	    cp $$tmp/go.mod $$tmp/go.sum .; rm -rf $$tmp; exit 1; fi; rm -rf $$tmp
	$(SPECTRAL) lint --quiet --ruleset .spectral.yaml --fail-severity=warn docs/openapi.yaml
	$(GO) run ./infra/cfncheck template.yaml

# Bootstraps as SAM's go1.x build method makes them, one folder per function.
build:
	@if command -v sam >/dev/null; then \
	  CGO_ENABLED=0 GOFLAGS="-tags=lambda.norpc -trimpath -ldflags=-s" sam build; else \
	  for fn in $(FUNCTIONS); do \
	    CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_FLAGS) -o .build/lambda/$$fn/bootstrap ./functions/$$fn || exit 1; \
	  done; ls -l .build/lambda/*/bootstrap; fi

deploy:
	sam build --config-env $(ENV) && sam deploy --config-env $(ENV) $(if $(DEPLOY_CONFIGURED),,--guided)

# Invoke one function with a sample event on the local stack's runtime (a
# freshly seeded stack). sam local invoke is not run from here: see README,
# "sam local".
invoke: deps
	$(GO) run ./infra/local/invoke -function $(FN) -event $(EVENT)

localstack-up:
	docker compose -f infra/localstack/compose.yaml up -d --wait

localstack-down:
	docker compose -f infra/localstack/compose.yaml down

run-localstack: deps localstack-up
	$(GO) run ./infra/local -localstack $(LOCALSTACK)

clean:
	rm -rf .build .aws-sam
