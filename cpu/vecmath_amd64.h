// Macros shared by vecmath_amd64.s and vecunary_amd64.s: the vector cores of expCore and
// erfTable (fastmath.go, fastmath_erf.go). Every float64 operation is the one the Go code
// performs, in its order, with no fused multiply-add.
//
// Constants: vecC64 rows (32 bytes each): 0 32/ln2, 32 roundMag, 64 ln2Hi, 96 ln2Lo,
// 128 1/120, 160 1/24, 192 1/6, 224 1/2, 256 1, 288 exponent bias of k, 320 int 16, 352 int 31,
// 384 sign, 416 abs, 448 2, 480 4, 512 8. vecC32 rows: 0 89, 32 -110, 64 +Inf, 96 700,
// 128 -700, 160 1, 192 GELU half, 224 1/√2, 256 1.702, 288 int 7. erfCols rows (64 bytes):
// 0-256 even coefficients 0-4, 320-576 odd coefficients 0-4, 640 piece offsets.

// ---- AVX-512: 8 float64 lanes ----

// LOADEXP512 puts the exp constants in Z16-Z30.
#define LOADEXP512 \
	VBROADCASTSD ·vecC64+0(SB), Z16; \
	VBROADCASTSD ·vecC64+32(SB), Z17; \
	VBROADCASTSD ·vecC64+64(SB), Z18; \
	VBROADCASTSD ·vecC64+96(SB), Z19; \
	VBROADCASTSD ·vecC64+128(SB), Z20; \
	VBROADCASTSD ·vecC64+160(SB), Z21; \
	VBROADCASTSD ·vecC64+192(SB), Z22; \
	VBROADCASTSD ·vecC64+224(SB), Z23; \
	VBROADCASTSD ·vecC64+256(SB), Z24; \
	VPBROADCASTQ ·vecC64+288(SB), Z25; \
	VMOVUPD ·exp2Frac+0(SB), Z26; \
	VMOVUPD ·exp2Frac+64(SB), Z27; \
	VMOVUPD ·exp2Frac+128(SB), Z28; \
	VMOVUPD ·exp2Frac+192(SB), Z29; \
	VPBROADCASTQ ·vecC64+320(SB), Z30

// EXP512 sets Z1 = expCore(Z0); clobbers Z2-Z5, K1.
// kf = (x·32/ln2 + roundMag) - roundMag; k = bits(x·32/ln2 + roundMag) - bias = kf + 1023·32;
// r = (x - kf·ln2Hi) - kf·ln2Lo; p = 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r/120))));
// result = exp2Frac[k&31] · 2^(k>>5 - 1023) · p.
#define EXP512 \
	VMULPD Z16, Z0, Z2; \
	VADDPD Z17, Z2, Z2; \
	VSUBPD Z17, Z2, Z3; \
	VPSUBQ Z25, Z2, Z2; \
	VMULPD Z18, Z3, Z4; \
	VSUBPD Z4, Z0, Z4; \
	VMULPD Z19, Z3, Z3; \
	VSUBPD Z3, Z4, Z4; \
	VMULPD Z20, Z4, Z3; \
	VADDPD Z21, Z3, Z3; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z22, Z3, Z3; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z23, Z3, Z3; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z3; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z3; \
	VMOVDQA64 Z2, Z4; \
	VPERMI2PD Z27, Z26, Z4; \
	VMOVDQA64 Z2, Z5; \
	VPERMI2PD Z29, Z28, Z5; \
	VPTESTMQ Z30, Z2, K1; \
	VMOVAPD Z5, K1, Z4; \
	VPSRLQ $5, Z2, Z2; \
	VPSLLQ $52, Z2, Z2; \
	VMULPD Z2, Z4, Z4; \
	VMULPD Z3, Z4, Z1

// LOADERF512 puts the erf tables in Z16-Z26 and its constants in Z9 and Z27-Z31.
#define LOADERF512 \
	VMOVUPD ·erfCols+0(SB), Z16; \
	VMOVUPD ·erfCols+64(SB), Z17; \
	VMOVUPD ·erfCols+128(SB), Z18; \
	VMOVUPD ·erfCols+192(SB), Z19; \
	VMOVUPD ·erfCols+256(SB), Z20; \
	VMOVUPD ·erfCols+320(SB), Z21; \
	VMOVUPD ·erfCols+384(SB), Z22; \
	VMOVUPD ·erfCols+448(SB), Z23; \
	VMOVUPD ·erfCols+512(SB), Z24; \
	VMOVUPD ·erfCols+576(SB), Z25; \
	VMOVUPD ·erfCols+640(SB), Z26; \
	VPBROADCASTQ ·vecC64+384(SB), Z9; \
	VPBROADCASTQ ·vecC64+416(SB), Z27; \
	VBROADCASTSD ·vecC64+480(SB), Z28; \
	VBROADCASTSD ·vecC64+512(SB), Z29; \
	VBROADCASTSD ·vecC64+256(SB), Z30; \
	VBROADCASTSD ·vecC64+448(SB), Z31

// ERF512 sets Z1 = erfTable(Z0); clobbers Z2-Z7, K1-K3.
// a = |x|; i = int(2a) (piece); t = 8a·a - 1 on piece 0, else 4a - offset[i]; t2 = t·t;
// p = e(t2) + t·o(t2) by Horner with piece i's coefficients; y = p·a on piece 0, else p;
// 1 where !(a < 4); negated where x < 0.
#define ERF512 \
	VANDPD Z27, Z0, Z2; \
	VMULPD Z31, Z2, Z3; \
	VCVTTPD2QQ Z3, Z4; \
	VCMPPD $0x11, Z30, Z3, K1; \
	VMULPD Z29, Z2, Z5; \
	VMULPD Z2, Z5, Z5; \
	VSUBPD Z30, Z5, Z5; \
	VPERMPD Z26, Z4, Z6; \
	VMULPD Z28, Z2, Z7; \
	VSUBPD Z6, Z7, Z6; \
	VMOVAPD Z5, K1, Z6; \
	VMULPD Z6, Z6, Z5; \
	VPERMPD Z20, Z4, Z7; \
	VMULPD Z5, Z7, Z7; \
	VPERMPD Z19, Z4, Z3; \
	VADDPD Z3, Z7, Z7; \
	VMULPD Z5, Z7, Z7; \
	VPERMPD Z18, Z4, Z3; \
	VADDPD Z3, Z7, Z7; \
	VMULPD Z5, Z7, Z7; \
	VPERMPD Z17, Z4, Z3; \
	VADDPD Z3, Z7, Z7; \
	VMULPD Z5, Z7, Z7; \
	VPERMPD Z16, Z4, Z3; \
	VADDPD Z3, Z7, Z7; \
	VPERMPD Z25, Z4, Z1; \
	VMULPD Z5, Z1, Z1; \
	VPERMPD Z24, Z4, Z3; \
	VADDPD Z3, Z1, Z1; \
	VMULPD Z5, Z1, Z1; \
	VPERMPD Z23, Z4, Z3; \
	VADDPD Z3, Z1, Z1; \
	VMULPD Z5, Z1, Z1; \
	VPERMPD Z22, Z4, Z3; \
	VADDPD Z3, Z1, Z1; \
	VMULPD Z5, Z1, Z1; \
	VPERMPD Z21, Z4, Z3; \
	VADDPD Z3, Z1, Z1; \
	VMULPD Z6, Z1, Z1; \
	VADDPD Z1, Z7, Z1; \
	VMULPD Z2, Z1, K1, Z1; \
	VCMPPD $0x05, Z28, Z2, K2; \
	VMOVAPD Z30, K2, Z1; \
	VXORPD Z3, Z3, Z3; \
	VCMPPD $0x11, Z3, Z0, K3; \
	VXORPD Z9, Z1, K3, Z1

// EXP32_512 sets Y1 = exp32(Y10) for 8 float32 (> 89: +Inf, < -110: 0, NaN: itself), with the
// LOADEXP512 constants and Y12 = 89, Y13 = -110, Y14 = +Inf; clobbers Z0, Z2-Z5, K1-K4.
#define EXP32_512 \
	VCVTPS2PD Y10, Z0; \
	EXP512; \
	VCVTPD2PS Z1, Y1; \
	VCMPPS $0x1e, Y12, Y10, K2; \
	VMOVAPS Y14, K2, Y1; \
	VCMPPS $0x11, Y13, Y10, K3; \
	VPXORD Y1, Y1, K3, Y1; \
	VCMPPS $0x03, Y10, Y10, K4; \
	VMOVAPS Y10, K4, Y1

// SIGMOID32_512 sets Y1 = sigmoid32(Y9) = 1/(1+e^-x) for 8 float32 (> 700: 1, < -700: 0, NaN:
// itself), with the LOADEXP512 constants and Z8 = sign bits, Y12 = 700, Y13 = -700, Y14 = 1;
// clobbers Z0, Z2-Z5, K1-K4.
#define SIGMOID32_512 \
	VCVTPS2PD Y9, Z0; \
	VXORPD  Z8, Z0, Z0; \
	EXP512; \
	VADDPD  Z24, Z1, Z1; \
	VDIVPD  Z1, Z24, Z1; \
	VCVTPD2PS Z1, Y1; \
	VCMPPS  $0x11, Y13, Y9, K2; \
	VPXORD  Y1, Y1, K2, Y1; \
	VCMPPS  $0x1e, Y12, Y9, K3; \
	VMOVAPS Y14, K3, Y1; \
	VCMPPS  $0x03, Y9, Y9, K4; \
	VMOVAPS Y9, K4, Y1

// ---- AVX2: 4 float64 lanes; constants as memory operands, table look-ups by gathers ----

// EXP256 sets Y1 = expCore(Y0) with R8 = &exp2Frac; clobbers Y2-Y6.
#define EXP256 \
	VMULPD ·vecC64+0(SB), Y0, Y2; \
	VADDPD ·vecC64+32(SB), Y2, Y2; \
	VSUBPD ·vecC64+32(SB), Y2, Y3; \
	VPSUBQ ·vecC64+288(SB), Y2, Y2; \
	VMULPD ·vecC64+64(SB), Y3, Y4; \
	VSUBPD Y4, Y0, Y4; \
	VMULPD ·vecC64+96(SB), Y3, Y3; \
	VSUBPD Y3, Y4, Y4; \
	VMULPD ·vecC64+128(SB), Y4, Y3; \
	VADDPD ·vecC64+160(SB), Y3, Y3; \
	VMULPD Y4, Y3, Y3; \
	VADDPD ·vecC64+192(SB), Y3, Y3; \
	VMULPD Y4, Y3, Y3; \
	VADDPD ·vecC64+224(SB), Y3, Y3; \
	VMULPD Y4, Y3, Y3; \
	VADDPD ·vecC64+256(SB), Y3, Y3; \
	VMULPD Y4, Y3, Y3; \
	VADDPD ·vecC64+256(SB), Y3, Y3; \
	VPAND ·vecC64+352(SB), Y2, Y4; \
	VPCMPEQQ Y5, Y5, Y5; \
	VGATHERQPD Y5, (R8)(Y4*8), Y6; \
	VPSRLQ $5, Y2, Y2; \
	VPSLLQ $52, Y2, Y2; \
	VMULPD Y2, Y6, Y6; \
	VMULPD Y3, Y6, Y1

// EXP32_256 sets X1 = exp32(X10) for 4 float32 (limits as EXP32_512) with R8 = &exp2Frac;
// clobbers Y0, Y2-Y6.
#define EXP32_256 \
	VCVTPS2PD X10, Y0; \
	EXP256; \
	VCVTPD2PSY Y1, X1; \
	VCMPPS $0x1e, ·vecC32+0(SB), X10, X2; \
	VBLENDVPS X2, ·vecC32+64(SB), X1, X1; \
	VCMPPS $0x11, ·vecC32+32(SB), X10, X2; \
	VPANDN X1, X2, X1; \
	VCMPPS $0x03, X10, X10, X2; \
	VBLENDVPS X2, X10, X1, X1

// SIGMOID32_256 sets X1 = sigmoid32(X9) for 4 float32 (limits as SIGMOID32_512) with
// R8 = &exp2Frac; clobbers Y0, Y2-Y6.
#define SIGMOID32_256 \
	VCVTPS2PD X9, Y0; \
	VXORPD  ·vecC64+384(SB), Y0, Y0; \
	EXP256; \
	VADDPD  ·vecC64+256(SB), Y1, Y1; \
	VMOVUPD ·vecC64+256(SB), Y2; \
	VDIVPD  Y1, Y2, Y1; \
	VCVTPD2PSY Y1, X1; \
	VCMPPS  $0x11, ·vecC32+128(SB), X9, X2; \
	VPANDN  X1, X2, X1; \
	VCMPPS  $0x1e, ·vecC32+96(SB), X9, X2; \
	VBLENDVPS X2, ·vecC32+160(SB), X1, X1; \
	VCMPPS  $0x03, X9, X9, X2; \
	VBLENDVPS X2, X9, X1, X1

// ERFC256 loads erfCols row off at the piece indices X4 into dst (R9 = &erfCols); clobbers Y3.
#define ERFC256(off, dst) \
	VPCMPEQQ Y3, Y3, Y3; \
	VGATHERDPD Y3, off(R9)(X4*8), dst

// ERF256 sets Y1 = erfTable(Y0) with R9 = &erfCols; clobbers Y2-Y9 (as ERF512).
#define ERF256 \
	VANDPD ·vecC64+416(SB), Y0, Y2; \
	VMULPD ·vecC64+448(SB), Y2, Y3; \
	VCVTTPD2DQY Y3, X4; \
	VPAND ·vecC32+288(SB), X4, X4; \
	VCMPPD $0x11, ·vecC64+256(SB), Y3, Y9; \
	VMULPD ·vecC64+512(SB), Y2, Y5; \
	VMULPD Y2, Y5, Y5; \
	VSUBPD ·vecC64+256(SB), Y5, Y5; \
	ERFC256(640, Y6); \
	VMULPD ·vecC64+480(SB), Y2, Y7; \
	VSUBPD Y6, Y7, Y6; \
	VBLENDVPD Y9, Y5, Y6, Y6; \
	VMULPD Y6, Y6, Y5; \
	ERFC256(256, Y7); \
	VMULPD Y5, Y7, Y7; \
	ERFC256(192, Y8); \
	VADDPD Y8, Y7, Y7; \
	VMULPD Y5, Y7, Y7; \
	ERFC256(128, Y8); \
	VADDPD Y8, Y7, Y7; \
	VMULPD Y5, Y7, Y7; \
	ERFC256(64, Y8); \
	VADDPD Y8, Y7, Y7; \
	VMULPD Y5, Y7, Y7; \
	ERFC256(0, Y8); \
	VADDPD Y8, Y7, Y7; \
	ERFC256(576, Y1); \
	VMULPD Y5, Y1, Y1; \
	ERFC256(512, Y8); \
	VADDPD Y8, Y1, Y1; \
	VMULPD Y5, Y1, Y1; \
	ERFC256(448, Y8); \
	VADDPD Y8, Y1, Y1; \
	VMULPD Y5, Y1, Y1; \
	ERFC256(384, Y8); \
	VADDPD Y8, Y1, Y1; \
	VMULPD Y5, Y1, Y1; \
	ERFC256(320, Y8); \
	VADDPD Y8, Y1, Y1; \
	VMULPD Y6, Y1, Y1; \
	VADDPD Y1, Y7, Y1; \
	VMULPD Y2, Y1, Y8; \
	VBLENDVPD Y9, Y8, Y1, Y1; \
	VCMPPD $0x05, ·vecC64+480(SB), Y2, Y9; \
	VBLENDVPD Y9, ·vecC64+256(SB), Y1, Y1; \
	VXORPD Y8, Y8, Y8; \
	VCMPPD $0x11, Y8, Y0, Y9; \
	VXORPD ·vecC64+384(SB), Y1, Y8; \
	VBLENDVPD Y9, Y8, Y1, Y1

