# bt: build, test and benchmark. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: build demo parity test vet fmt-check darwin-check bench install clean

build:
	$(GO) build -o bin/bt ./cmd/bt

# The main job on a fresh machine: build bt and ask the shipped tiny model (fine-tuned on
# bt data shapes, testdata/shapes-tiny) a question about an image, offline.
SHAPES := testdata/shapes-tiny
demo: build
	bin/bt ask --model $(SHAPES) $(SHAPES)/example.png "what color is the circle?"
	bin/bt ask --model $(SHAPES) $(SHAPES)/example.png "how many shapes are there?"

# Hugging Face parity from the command line: two golden checkpoints through bt forward --reference.
GOLDEN := testdata/golden/models
parity: build
	@mkdir -p out
	bin/bt forward --model $(GOLDEN)/m02_scaled_add_b3_pad_h64_eps --inputs $(GOLDEN)/m02_scaled_add_b3_pad_h64_eps/inputs.safetensors \
		--output out/m02.safetensors --hidden-states --reference $(GOLDEN)/m02_scaled_add_b3_pad_h64_eps/outputs.safetensors
	bin/bt forward --dtype f64 --model $(GOLDEN)/m03_interpolate_b3_f64_sepln --inputs $(GOLDEN)/m03_interpolate_b3_f64_sepln/inputs.safetensors \
		--output out/m03.safetensors --hidden-states --reference $(GOLDEN)/m03_interpolate_b3_f64_sepln/outputs.safetensors

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# The darwin code type-checked on any OS against darwinkit's real API (GOOS=darwin GOARCH=arm64,
# cgo files included; go/types with FakeImportC), the objc.Call arity lint, and every Metal shader
# parsed as C++ against a stub header (needs clang). See internal/darwincheck.
darwin-check:
	$(GO) run ./internal/darwincheck/cmd -shaders shaders ./...

# Every package, then the executor's worker pool and the model on it under the race detector
# (which needs cgo: gcc).
test: fmt-check vet darwin-check
	$(GO) test -short -timeout 20m $(PKGS)
	$(GO) test -race -short -timeout 20m ./cpu ./model

# Benchmarks: GEMM shapes, a ViT-B/16 layer, tokenizer and image preprocessing.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 5 $(PKGS)

install:
	$(GO) install ./cmd/bt

clean:
	rm -rf bin out
