//go:build !purego

package cpu

import "golang.org/x/sys/cpu"

// Assembly micro-kernels (gemm_amd64.s); see sgemmKernel for the contract.
//
//go:noescape
func sgemmAVX2(k int, a, b, c *float32, ldc int, add bool)

//go:noescape
func sgemmAVX512(k int, a, b, c *float32, ldc int, add bool)

// sgemmAVX2A and sgemmAVX512A read A in place (row i of the micro-tile at a + i·lda) instead of
// from a packed panel.
//
//go:noescape
func sgemmAVX2A(k int, a *float32, lda int, b, c *float32, ldc int, add bool)

//go:noescape
func sgemmAVX512A(k int, a *float32, lda int, b, c *float32, ldc int, add bool)

// transpose8x8 sets dst[j·ldd+i] = src[i·ld+j] for i, j < 8 (AVX).
//
//go:noescape
func transpose8x8(src *float32, ld int, dst *float32, ldd int)

func init() {
	if cpu.X86.HasAVX {
		transpose8 = func(src []float32, ld int, dst []float32, ldd int) {
			_, _ = src[7*ld+7], dst[7*ldd+7] // the assembly does not check
			transpose8x8(&src[0], ld, &dst[0], ldd)
		}
	}
}

// sgemmKernels lists the micro-kernels this CPU runs, fastest first: AVX-512 12×32 when the CPU
// and OS support AVX-512F, AVX2+FMA 6×16, and the pure-Go kernel.
func sgemmKernels() []*sgemmKernel {
	var ks []*sgemmKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, &sgemmKernel{name: "avx512", mr: 12, nr: 32, kc: 256, asm: sgemmAVX512, direct: sgemmAVX512A})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &sgemmKernel{name: "avx2", mr: 6, nr: 16, kc: 256, asm: sgemmAVX2, direct: sgemmAVX2A})
	}
	return append(ks, goKernel)
}
