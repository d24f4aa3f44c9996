# Nabla: the two commands of the quick start, and a few helpers.
#   make demo   installs missing Debian packages, builds release, runs the main job
#   make test   installs missing Debian packages, runs every test
SWIFT ?= swift

.PHONY: demo test build release deps bench fixtures clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	.build/release/nabla demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Benchmarks of the core (JSON lines); compare with ../shared/bench/ (see docs/PERFORMANCE.md).
bench: release
	.build/release/nabla bench matmul --json
	.build/release/nabla bench elementwise --json
	.build/release/nabla bench overhead --json

# Regenerates the PyTorch golden fixtures (needs python3 with torch; the results are committed).
fixtures:
	python3 scripts/generate_fixtures.py

clean:
	rm -rf .build
