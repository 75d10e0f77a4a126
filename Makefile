# ptychokit — every target a user or CI needs. See README.md.
SHELL := /bin/bash
GO ?= go
BIN := bin/ptychokit
OUT ?= out
GALLERY ?= $(OUT)/gallery
GOTEST_FLAGS ?= -timeout 20m

.PHONY: all build test test-go fuzz kernel notebooks datasets model demo-model gallery demo bench vet clean

all: build

## build: the command-line program, at bin/ptychokit
build:
	$(GO) build -o $(BIN) ./ptychokit/cmd/ptychokit

## test: every test — Go packages (with a short run of every fuzz target) and every notebook, headless
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

## kernel: Jupyter (Debian packages), GoNB, goimports, gopls and the "ptychokit (Go)" kernel spec
kernel:
	bash kernel/setup.sh

## notebooks: execute every notebook in notebooks/ headless and check its figures
notebooks: kernel
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

## bench: speed on this machine's CPU, JSON in $(OUT)/bench.json
bench: build
	$(BIN) bench --quick --device cpu --output_file $(OUT)/bench.json

clean:
	rm -rf bin $(OUT)
