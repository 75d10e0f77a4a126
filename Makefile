# ptychokit — every target a user or CI needs. See README.md.
SHELL := /bin/bash
GO ?= go
BIN := bin/ptychokit
OUT ?= out
GALLERY ?= $(OUT)/gallery
GOTEST_FLAGS ?= -timeout 20m
# The headless nbconvert gate: the quick notebooks (a minute), run before the browser.
NB_GATE ?= notebooks/00_kernel.ipynb notebooks/01_quickstart.ipynb notebooks/02_forward_model.ipynb notebooks/08_watch_a_reconstruction.ipynb
# Where the browser run writes its screenshots (NAME.png) and executed notebooks.
BROWSER_OUT ?= $(OUT)/browser

.PHONY: all build test test-go fuzz kernel notebooks notebooks-gate notebooks-browser notebooks-headless datasets model demo-model gallery demo paper-study bench vet clean

all: build

## build: the command-line program, at bin/ptychokit
build:
	$(GO) build -o $(BIN) ./ptychokit/cmd/ptychokit

## test: every test — Go packages (with a short run of every fuzz target), the quick notebooks headless, every notebook in Chromium
test: build kernel vet test-go notebooks

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go: build
	$(GO) test $(GOTEST_FLAGS) ./...
	GO=$(GO) bash scripts/fuzz.sh 4 50

## fuzz: every fuzz target for a minute, failing below 200 inputs a second (logs in $(OUT)/fuzz)
fuzz:
	GO=$(GO) bash scripts/fuzz.sh 60 200 $(OUT)/fuzz

## kernel: Jupyter and Chromium (Debian packages), GoNB, goimports, gopls and the "ptychokit (Go)" kernel spec
kernel:
	bash kernel/setup.sh

## notebooks: the headless gate on NB_GATE, then every notebook in the classic Notebook in headless Chromium
notebooks: notebooks-gate notebooks-browser

## notebooks-gate: execute the notebooks in NB_GATE headless (nbconvert) and check them
notebooks-gate: kernel
	$(GO) run ./kernel/cmd/runnotebooks $(NB_GATE)

## notebooks-browser: run every notebook in Chromium, check what the page shows; screenshots in BROWSER_OUT
notebooks-browser: kernel
	$(GO) run ./kernel/cmd/browsernotebooks -out $(BROWSER_OUT) notebooks

## notebooks-headless: execute every notebook headless (nbconvert), no browser
notebooks-headless: kernel
	$(GO) run ./kernel/cmd/runnotebooks notebooks

## datasets: remake the small canonical datasets in datasets/ exactly
datasets: build
	bash datasets/make.sh $(BIN)

## model: retrain the PtychoPINN model kept in datasets/models (about an hour on 2 cores; DEVICE=gpu: ~1 min)
model: build
	DEVICE=$(or $(DEVICE),cpu) bash datasets/make_model.sh $(BIN)

## demo-model: retrain the model make demo fine-tunes (DEVICE=gpu: about a minute; the default)
demo-model: build
	DEVICE=$(or $(DEVICE),gpu) bash datasets/make_demo_model.sh $(BIN)

## gallery: every figure type as PNG into GALLERY=DIR
gallery:
	$(GO) run ./plots/cmd/gallery -data datasets/lines_N64.npz -out $(GALLERY)

## demo: the main job on the embedded default (pure Go): data -> train -> reconstruct -> figures
demo: build
	bash scripts/demo.sh $(BIN) $(OUT)/demo

## paper-study: PtychoPINN's paper protocol, 10 seeds scored on an unseen object (a GPU job, ~4 min on an H200; GRIDSIZE=1 for gridsize 1)
paper-study: build
	bash scripts/paper_protocol.sh $(BIN) $(OUT)/paper

## bench: speed on this machine's CPU, JSON in $(OUT)/bench.json
bench: build
	$(BIN) bench --quick --device cpu --output_file $(OUT)/bench.json

clean:
	rm -rf bin $(OUT)
