//go:build !purego

#include "textflag.h"

#include "vecmath_amd64.h"

// Unary loops y = exp32(x), erf32(x), sigmoid32(x) over n (a multiple of 8) float32: the
// element functions of the softmax, QuickGELU and GELU loops of vecmath_amd64.s alone.

// func expAVX512(x, y *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LOADEXP512
	VBROADCASTSS ·vecC32+0(SB), Y12
	VBROADCASTSS ·vecC32+32(SB), Y13
	VBROADCASTSS ·vecC32+64(SB), Y14

uexp512:
	VMOVUPS (SI), Y10
	EXP32_512
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  uexp512
	VZEROUPPER
	RET

// func erfAVX512(x, y *float32, n int)
TEXT ·erfAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LOADERF512

uerf512:
	VMOVUPS (SI), Y10
	VCVTPS2PD Y10, Z0
	ERF512
	VCVTPD2PS Z1, Y1
	VCMPPS  $0x03, Y10, Y10, K4
	VMOVAPS Y10, K4, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  uerf512
	VZEROUPPER
	RET

// func sigmoidAVX512(x, y *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LOADEXP512
	VPBROADCASTQ ·vecC64+384(SB), Z8
	VBROADCASTSS ·vecC32+96(SB), Y12
	VBROADCASTSS ·vecC32+128(SB), Y13
	VBROADCASTSS ·vecC32+160(SB), Y14

usig512:
	VMOVUPS (SI), Y9
	SIGMOID32_512
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  usig512
	VZEROUPPER
	RET

// func expAVX2(x, y *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LEAQ ·exp2Frac(SB), R8

uexp256:
	VMOVUPS (SI), X10
	EXP32_256
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  uexp256
	VZEROUPPER
	RET

// func erfAVX2(x, y *float32, n int)
TEXT ·erfAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LEAQ ·erfCols(SB), R9

uerf256:
	VMOVUPS (SI), X10
	VCVTPS2PD X10, Y0
	ERF256
	VCVTPD2PSY Y1, X1
	VCMPPS  $0x03, X10, X10, X2
	VBLENDVPS X2, X10, X1, X1
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  uerf256
	VZEROUPPER
	RET

// func sigmoidAVX2(x, y *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	LEAQ ·exp2Frac(SB), R8

usig256:
	VMOVUPS (SI), X9
	SIGMOID32_256
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNZ  usig256
	VZEROUPPER
	RET
