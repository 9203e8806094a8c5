# Thin wrappers over the npm scripts. Every target installs and builds first when that has not happened yet.
SHELL := /bin/bash
STAMP := node_modules/.package-lock.json

.PHONY: build test run bench e2e lint clean format soak

$(STAMP): package-lock.json
	npm ci

build: $(STAMP)
	npm run build

test: build
	npx jest $(JEST_ARGS)

e2e: build
	npx jest e2e/

lint: $(STAMP)
	npm run lint

run: build
	node scripts/demo.js

bench: build
	npm run bench

# Long variants of the reliability suites; each writes its figures into docs/reliability.md.
soak: build
	LANYARD_SOAK=1 LANYARD_WRITE_RELIABILITY=1 npx jest --runInBand test/reliability/ $(JEST_ARGS)

format: $(STAMP)
	npm run format

clean:
	npm run clean || true
	rm -rf node_modules */node_modules attestors/*/node_modules
