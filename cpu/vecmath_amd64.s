//go:build !purego

#include "textflag.h"

// Vector forms of exp32, erf32 and sigmoid32 (fastmath.go) inside the softmax, GELU and
// QuickGELU loops (vecmath_amd64.go has the contracts). Every float64 operation is the one the Go
// code performs, in its order, with no fused multiply-add; float32 results are rounded once
// (VCVTPD2PS) and the special cases are blended in afterwards on the float32 values. The cores
// and the constant tables they read are in vecmath_amd64.h.

#include "vecmath_amd64.h"

// func softmaxExpAVX512(x, y *float32, n int, m float32) float64
TEXT ·softmaxExpAVX512(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y11
	LOADEXP512
	VBROADCASTSS ·vecC32+0(SB), Y12
	VBROADCASTSS ·vecC32+32(SB), Y13
	VBROADCASTSS ·vecC32+64(SB), Y14
	VXORPD X8, X8, X8

sexp512:
	VMOVUPS (SI), Y10
	VSUBPS Y11, Y10, Y10
	EXP32_512
	VMOVUPS Y1, (DI)

	// sum += float64(y[j]) for the 8 lanes in order
	VCVTPS2PD Y1, Z2
	VADDSD X2, X8, X8
	VPERMILPD $1, X2, X3
	VADDSD X3, X8, X8
	VEXTRACTF128 $1, Y2, X3
	VADDSD X3, X8, X8
	VPERMILPD $1, X3, X3
	VADDSD X3, X8, X8
	VEXTRACTF64X4 $1, Z2, Y4
	VADDSD X4, X8, X8
	VPERMILPD $1, X4, X5
	VADDSD X5, X8, X8
	VEXTRACTF128 $1, Y4, X5
	VADDSD X5, X8, X8
	VPERMILPD $1, X5, X5
	VADDSD X5, X8, X8

	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  sexp512
	VMOVSD X8, ret+32(FP)
	VZEROUPPER
	RET

// func softmaxExpLanesAVX512(x, y *float32, n int, m float32) (float64, bool)
// As softmaxExpAVX512, but the sum is accumulated in 8 float64 lanes and then across them, and
// the flag reports whether every y[j] is 0 or at least 2^-20 (none NaN): then every partial sum
// is exact (softmaxRowLanes) and the result equals the sequential sum.
TEXT ·softmaxExpLanesAVX512(SB), NOSPLIT, $0-41
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y11
	LOADEXP512
	VBROADCASTSS ·vecC32+0(SB), Y12
	VBROADCASTSS ·vecC32+32(SB), Y13
	VBROADCASTSS ·vecC32+64(SB), Y14
	VBROADCASTSS ·vecC32+320(SB), Y15
	VXORPS Y9, Y9, Y9
	VXORPD Z8, Z8, Z8
	KXORW K6, K6, K6

slanes512:
	VMOVUPS (SI), Y10
	VSUBPS Y11, Y10, Y10
	EXP32_512
	VMOVUPS Y1, (DI)
	VCVTPS2PD Y1, Z2
	VADDPD Z2, Z8, Z8
	VCMPPS $0x09, Y15, Y1, K5
	VCMPPS $0x04, Y9, Y1, K5, K5
	KORW K5, K6, K6
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  slanes512

	VEXTRACTF64X4 $1, Z8, Y2
	VADDPD Y2, Y8, Y8
	VEXTRACTF128 $1, Y8, X2
	VADDPD X2, X8, X8
	VPERMILPD $1, X8, X2
	VADDSD X2, X8, X8
	VMOVSD X8, ret+32(FP)
	KMOVW K6, AX
	TESTW AX, AX
	SETEQ ret1+40(FP)
	VZEROUPPER
	RET

// func geluAVX512(x, y *float32, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LOADERF512
	VBROADCASTSS ·vecC32+192(SB), Y13
	VBROADCASTSS ·vecC32+224(SB), Y14
	VBROADCASTSS ·vecC32+160(SB), Y15

gelu512:
	VMOVUPS (SI), Y10
	VMULPS  Y13, Y10, Y11
	VMULPS  Y14, Y10, Y12
	VCVTPS2PD Y12, Z0
	ERF512
	VCVTPD2PS Z1, Y1
	VCMPPS  $0x03, Y12, Y12, K4
	VMOVAPS Y12, K4, Y1
	VADDPS  Y15, Y1, Y1
	VMULPS  Y1, Y11, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  gelu512
	VZEROUPPER
	RET

// func quickGELUAVX512(x, y *float32, n int)
TEXT ·quickGELUAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LOADEXP512
	VPBROADCASTQ ·vecC64+384(SB), Z8
	VBROADCASTSS ·vecC32+256(SB), Y11
	VBROADCASTSS ·vecC32+96(SB), Y12
	VBROADCASTSS ·vecC32+128(SB), Y13
	VBROADCASTSS ·vecC32+160(SB), Y14

qgelu512:
	VMOVUPS (SI), Y10
	VMULPS  Y11, Y10, Y9
	SIGMOID32_512
	VMULPS  Y1, Y10, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  qgelu512
	VZEROUPPER
	RET

// func softmaxExpAVX2(x, y *float32, n int, m float32) float64
TEXT ·softmaxExpAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), X11
	LEAQ ·exp2Frac(SB), R8
	VXORPD X8, X8, X8

sexp256:
	VMOVUPS (SI), X10
	VSUBPS X11, X10, X10
	EXP32_256
	VMOVUPS X1, (DI)

	// sum += float64(y[j]) for the 4 lanes in order
	VCVTPS2PD X1, Y2
	VADDSD X2, X8, X8
	VPERMILPD $1, X2, X3
	VADDSD X3, X8, X8
	VEXTRACTF128 $1, Y2, X3
	VADDSD X3, X8, X8
	VPERMILPD $1, X3, X3
	VADDSD X3, X8, X8

	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  sexp256
	VMOVSD X8, ret+32(FP)
	VZEROUPPER
	RET

// func geluAVX2(x, y *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LEAQ ·erfCols(SB), R9

gelu256:
	VMOVUPS (SI), X10
	VMULPS  ·vecC32+192(SB), X10, X11
	VMULPS  ·vecC32+224(SB), X10, X12
	VCVTPS2PD X12, Y0
	ERF256
	VCVTPD2PSY Y1, X1
	VCMPPS  $0x03, X12, X12, X2
	VBLENDVPS X2, X12, X1, X1
	VADDPS  ·vecC32+160(SB), X1, X1
	VMULPS  X1, X11, X1
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  gelu256
	VZEROUPPER
	RET

// func quickGELUAVX2(x, y *float32, n int)
TEXT ·quickGELUAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LEAQ ·exp2Frac(SB), R8

qgelu256:
	VMOVUPS (SI), X10
	VMULPS  ·vecC32+256(SB), X10, X9
	SIGMOID32_256
	VMULPS  X1, X10, X1
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  qgelu256
	VZEROUPPER
	RET

// ---- AVX: max and division passes of the softmax, last pass of LayerNorm (float32, 8 lanes) ----

// func minMaxAVX(x *float32, n int) (float32, float32, bool)
TEXT ·minMaxAVX(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y0
	VMOVAPS Y0, Y4
	VCMPPS $0x03, Y0, Y0, Y1
	ADDQ $32, SI
	SUBQ $8, CX
	JZ   mmdone

mmloop:
	VMOVUPS (SI), Y2
	VMAXPS  Y2, Y0, Y0
	VMINPS  Y2, Y4, Y4
	VCMPPS  $0x03, Y2, Y2, Y3
	VORPS   Y3, Y1, Y1
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  mmloop

mmdone:
	VEXTRACTF128 $1, Y0, X2
	VMAXPS X2, X0, X0
	VPERMILPS $0x4e, X0, X2
	VMAXPS X2, X0, X0
	VPERMILPS $0xb1, X0, X2
	VMAXPS X2, X0, X0
	VMOVSS X0, ret1+20(FP)
	VEXTRACTF128 $1, Y4, X2
	VMINPS X2, X4, X4
	VPERMILPS $0x4e, X4, X2
	VMINPS X2, X4, X4
	VPERMILPS $0xb1, X4, X2
	VMINPS X2, X4, X4
	VMOVSS X4, ret+16(FP)
	VEXTRACTF128 $1, Y1, X3
	VORPS X3, X1, X1
	VPTEST X1, X1
	SETNE ret2+24(FP)
	VZEROUPPER
	RET

// func divAVX(y *float32, n int, d float32)
TEXT ·divAVX(SB), NOSPLIT, $0-20
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS d+16(FP), Y1

divloop:
	VMOVUPS (DI), Y0
	VDIVPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  divloop
	VZEROUPPER
	RET


// func affineAVX(y, gamma, beta *float32, n int, r float32)
TEXT ·affineAVX(SB), NOSPLIT, $0-36
	MOVQ y+0(FP), DI
	MOVQ gamma+8(FP), SI
	MOVQ beta+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS r+32(FP), Y1

affloop:
	VMOVUPS (DI), Y0
	VMULPS  Y1, Y0, Y0
	VMULPS  (SI), Y0, Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  affloop
	VZEROUPPER
	RET
