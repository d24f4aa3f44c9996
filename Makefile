# Nabla: the two commands of the quick start, and a few helpers.
#   make demo   installs missing Debian packages (and TensorBoard), builds release, trains the Fashion-MNIST CNN
#               with a progress bar; writes TensorBoard logs, a CSV log and checkpoints to runs/demo
#   make test   installs missing Debian packages (and the Python tools interop tests use), runs every test
SWIFT ?= swift

.PHONY: demo test build release deps bench fixtures clean spirals onnx-conformance charlm

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

DEMO_DIR ?= runs/demo

demo: release
	@bash scripts/install-python-tools.sh
	.build/release/nabla train --model cnn --epochs 3 --batch-size 32 --logdir $(DEMO_DIR) --output $(DEMO_DIR)/cnn.safetensors

test: deps
	@bash scripts/install-python-tools.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Benchmarks of the core (JSON lines); compare with ../shared/bench/ (see docs/PERFORMANCE.md).
bench: release
	.build/release/nabla bench matmul --json
	.build/release/nabla bench elementwise --json
	.build/release/nabla bench overhead --json

# The core-only demo: an MLP fitted with raw tensors and autograd on two spirals.
spirals: release
	.build/release/nabla demo

# Character-level LSTM and GPT on Debian's fortune cookie corpus, then a sample (docs/CHARLM.md).
# OMP_WAIT_POLICY=passive keeps libgomp's idle threads from spinning on a shared machine.
charlm: release
	OMP_WAIT_POLICY=passive .build/release/char-lm train --model lstm --output runs/charlm/lstm
	OMP_WAIT_POLICY=passive .build/release/char-lm train --model gpt --output runs/charlm/gpt
	OMP_WAIT_POLICY=passive .build/release/char-lm sample --checkpoint runs/charlm/gpt --prompt "Linux is " --temperature 0.8 --top-k 10 --length 200 --seed 0

# Regenerates the PyTorch golden fixtures (needs python3 with torch; the results are committed).
fixtures:
	python3 scripts/generate_fixtures.py
	python3 scripts/generate_nn_fixtures.py
	python3 scripts/generate_loss_fixtures.py
	python3 scripts/generate_optim_fixtures.py
	python3 scripts/generate_parity_fixtures.py
	python3 scripts/generate_rnn_fixtures.py
	python3 scripts/generate_attention_fixtures.py

# ONNX's backend node tests (Debian libonnx-testdata and the onnx wheel's newer set) through NablaONNX (docs/ONNX.md).
onnx-conformance:
	@SWIFT="$(SWIFT)" bash scripts/onnx-conformance.sh

clean:
	rm -rf .build
