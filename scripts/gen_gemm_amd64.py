# generates cpu/gemm_amd64.s
out = []
w = out.append
w("""//go:build !purego

#include "textflag.h"

// Micro-kernels of the packed sgemm (gemm_packed.go). Both compute, for one micro-tile,
// acc = sum over p < k of a[p*MR+i] * b[p*NR+j] with one FMA chain per element (p in order), then
// store C[i*ldc+j] = acc, or C[i*ldc+j] += acc when add is true. a is a packed MR-row panel of
// op(A) (k×MR, row p holds column p of the rows), b a packed NR-column panel of op(B) (k×NR).
""")

# AVX2 6x16
w("""// func sgemmAVX2(k int, a, b, c *float32, ldc int, add bool)
// 6×16: Y4..Y15 hold the 6 rows × 2 vectors of 8 columns.
TEXT ·sgemmAVX2(SB), NOSPLIT, $0-41
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
""")
for r in range(4, 16):
    w(f"\tVXORPS Y{r}, Y{r}, Y{r}")
def step_avx2(ao, bo):
    s = []
    s.append(f"\tVMOVUPS {bo}(DI), Y0")
    s.append(f"\tVMOVUPS {bo+32}(DI), Y1")
    for i in range(6):
        reg = 2 + (i % 2)
        s.append(f"\tVBROADCASTSS {ao+4*i}(SI), Y{reg}")
        s.append(f"\tVFMADD231PS Y0, Y{reg}, Y{4+2*i}")
        s.append(f"\tVFMADD231PS Y1, Y{reg}, Y{5+2*i}")
    return s
w("""	CMPQ CX, $4
	JLT avx2tail
avx2loop4:""")
for u in range(4):
    out.extend(step_avx2(24*u, 64*u))
w("""	ADDQ $96, SI
	ADDQ $256, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE avx2loop4
avx2tail:
	TESTQ CX, CX
	JZ avx2store
avx2loop1:""")
out.extend(step_avx2(0, 0))
w("""	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ avx2loop1
avx2store:
	MOVBLZX add+40(FP), AX
	TESTL AX, AX
	JZ avx2set""")
for i in range(6):
    w(f"\tVADDPS (DX), Y{4+2*i}, Y{4+2*i}")
    w(f"\tVADDPS 32(DX), Y{5+2*i}, Y{5+2*i}")
    w(f"\tVMOVUPS Y{4+2*i}, (DX)")
    w(f"\tVMOVUPS Y{5+2*i}, 32(DX)")
    if i < 5:
        w("\tADDQ R8, DX")
w("""	VZEROUPPER
	RET
avx2set:""")
for i in range(6):
    w(f"\tVMOVUPS Y{4+2*i}, (DX)")
    w(f"\tVMOVUPS Y{5+2*i}, 32(DX)")
    if i < 5:
        w("\tADDQ R8, DX")
w("""	VZEROUPPER
	RET
""")

# AVX-512 12x32
MR = 12
w(f"""// func sgemmAVX512(k int, a, b, c *float32, ldc int, add bool)
// {MR}×32: Z4..Z{4+2*MR-1} hold the {MR} rows × 2 vectors of 16 columns.
TEXT ·sgemmAVX512(SB), NOSPLIT, $0-41
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
""")
for r in range(4, 4 + 2 * MR):
    w(f"\tVPXORD Z{r}, Z{r}, Z{r}")
def step_512(ao, bo):
    s = []
    s.append(f"\tVMOVUPS {bo}(DI), Z0")
    s.append(f"\tVMOVUPS {bo+64}(DI), Z1")
    for i in range(MR):
        reg = 2 + (i % 2)
        s.append(f"\tVBROADCASTSS {ao+4*i}(SI), Z{reg}")
        s.append(f"\tVFMADD231PS Z0, Z{reg}, Z{4+2*i}")
        s.append(f"\tVFMADD231PS Z1, Z{reg}, Z{5+2*i}")
    return s
w("""	CMPQ CX, $4
	JLT avx512tail
avx512loop4:""")
w("\tPREFETCHT0 512(DI)")
w("\tPREFETCHT0 768(DI)")
for u in range(4):
    out.extend(step_512(4*MR*u, 128*u))
w(f"""	ADDQ ${16*MR}, SI
	ADDQ $512, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE avx512loop4
avx512tail:
	TESTQ CX, CX
	JZ avx512store
avx512loop1:""")
out.extend(step_512(0, 0))
w(f"""	ADDQ ${4*MR}, SI
	ADDQ $128, DI
	DECQ CX
	JNZ avx512loop1
avx512store:
	MOVBLZX add+40(FP), AX
	TESTL AX, AX
	JZ avx512set""")
for i in range(MR):
    w(f"\tVADDPS (DX), Z{4+2*i}, Z{4+2*i}")
    w(f"\tVADDPS 64(DX), Z{5+2*i}, Z{5+2*i}")
    w(f"\tVMOVUPS Z{4+2*i}, (DX)")
    w(f"\tVMOVUPS Z{5+2*i}, 64(DX)")
    if i < MR - 1:
        w("\tADDQ R8, DX")
w("""	VZEROUPPER
	RET
avx512set:""")
for i in range(MR):
    w(f"\tVMOVUPS Z{4+2*i}, (DX)")
    w(f"\tVMOVUPS Z{5+2*i}, 64(DX)")
    if i < MR - 1:
        w("\tADDQ R8, DX")
w("""	VZEROUPPER
	RET""")

def direct(text, name, mr):
    """The same kernel reading A unpacked: row i of the micro-tile at a + i*lda (floats)."""
    text = text.replace("TEXT ·%s(SB), NOSPLIT, $0-41" % name, "TEXT ·%sA(SB), NOSPLIT, $0-49" % name)
    text = text.replace("// func %s(k int, a, b, c *float32, ldc int, add bool)" % name,
                        "// func %sA(k int, a *float32, lda int, b, c *float32, ldc int, add bool)\n// The same with A read in place: row i of the micro-tile at a + i·lda." % name)
    text = text.replace("""	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
""", """	MOVQ lda+16(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (SI)(R9*4), R11
	LEAQ (R11)(R9*4), R12
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
""")
    text = text.replace("add+40(FP)", "add+48(FP)")
    import re
    def rep(m):
        off, reg = int(m.group(1)), m.group(2)
        u, i = divmod(off // 4, mr)
        base = ["SI", "R11", "R12"][i // 4]
        idx = ["", "(R9*1)", "(R9*2)", "(R10*1)"][i % 4]
        return "VBROADCASTSS %d(%s)%s, %s" % (4 * u, base, idx, reg)
    text = re.sub(r"VBROADCASTSS (\d+)\(SI\), ([YZ]\d+)", rep, text)
    text = re.sub(r"ADDQ \$(\d+), SI", lambda m: "ADDQ $%d, SI\n\tADDQ $%d, R11\n\tADDQ $%d, R12" % ((int(m.group(1)) // mr,) * 3), text)
    for l in ("avx2", "avx512"):
        text = re.sub(r"\b(%s(loop4|tail|loop1|store|set))\b" % l, r"\1A", text)
    return text

full = "\n".join(out)
i = full.index("// func sgemmAVX2(")
j = full.index("// func sgemmAVX512(")
avx2, avx512 = full[i:j], full[j:]
print(full)
print()
print(direct(avx2, "sgemmAVX2", 6))
print(direct(avx512, "sgemmAVX512", MR))
