# bt: build, test and benchmark. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: build test vet fmt-check bench install clean

build:
	$(GO) build -o bin/bt ./cmd/bt

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test: fmt-check vet
	$(GO) test -short -timeout 20m $(PKGS)

# Benchmarks: GEMM shapes, a ViT-B/16 layer, tokenizer and image preprocessing.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 5 $(PKGS)

install:
	$(GO) install ./cmd/bt

clean:
	rm -rf bin
