// Multiply-accumulate rows for montgomery.go, with MULX and the two carry
// chains of ADCX (CF) and ADOX (OF), as math/big's addMulVVWW does for one
// row. Here a whole loop of rows is one call: a squaring's triangle of cross
// products (rowADX per row), the 48 rows of a product or of a Montgomery
// reduction (each row unrolled), and a squaring's doubling plus diagonal
// (unrolled). montgomery_amd64.go calls these only when CPUID reports BMI2
// and ADX; TestMontMulAndSqrMatchMathBig and FuzzMontgomery hold them to
// math/big and to the generic rows.

#include "textflag.h"

// PAIR adds x[k], x[k+1] (at off(SI)) times DX into t (at off(DI)): the
// carry arrives in BX and leaves in BX, between the two words it is in R11.
#define PAIR(off) \
	MULXQ off(SI), R10, R11; \
	ADCXQ BX, R10; \
	ADOXQ off(DI), R10; \
	MOVQ R10, off(DI); \
	MULXQ off+8(SI), R12, BX; \
	ADCXQ R11, R12; \
	ADOXQ off+8(DI), R12; \
	MOVQ R12, off+8(DI)

// rowADX adds x[0:CX]·DX into z[0:CX] and returns the carry word.
// In: DX multiplier, SI = &x[0], DI = &z[0], CX = length, BX = carry in.
// Out: BX = carry out; SI and DI advanced by CX words.
// Clobbers CX, R8–R12 and the flags; leaves AX, R13 alone.
TEXT rowADX<>(SB), NOSPLIT, $0
	XORQ R8, R8
	MOVQ CX, R9 // the len mod 8 words first, as 4 + 2 + 1
	SHRQ $3, CX

	TESTQ $4, R9
	JZ    two
	TESTQ R8, R8 // CF = OF = 0
	PAIR(0)
	PAIR(16)
	ADCXQ R8, BX // the row's carry fits a word: fold CF and OF into it
	ADOXQ R8, BX
	LEAQ 32(SI), SI
	LEAQ 32(DI), DI

two:
	TESTQ $2, R9
	JZ    one
	TESTQ R8, R8
	PAIR(0)
	ADCXQ R8, BX // the row's carry fits a word: fold CF and OF into it
	ADOXQ R8, BX
	LEAQ 16(SI), SI
	LEAQ 16(DI), DI

one:
	TESTQ $1, R9
	JZ    eight
	TESTQ R8, R8
	MULXQ 0(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 0(DI), R10
	MOVQ R10, 0(DI)
	MOVQ R11, BX
	ADCXQ R8, BX // the row's carry fits a word: fold CF and OF into it
	ADOXQ R8, BX
	LEAQ 8(SI), SI
	LEAQ 8(DI), DI

eight:
	TESTQ CX, CX
	JZ    done

eightloop:
	TESTQ R8, R8
	PAIR(0)
	PAIR(16)
	PAIR(32)
	PAIR(48)
	ADCXQ R8, BX // the row's carry fits a word: fold CF and OF into it
	ADOXQ R8, BX
	LEAQ 64(SI), SI
	LEAQ 64(DI), DI
	SUBQ $1, CX
	JNZ  eightloop

done:
	RET

// func sqrTriangleADX(t, x *big.Word, n int)
TEXT ·sqrTriangleADX(SB), NOSPLIT, $8-24
	MOVQ t+0(FP), AX
	LEAQ 8(AX), AX     // &t[2i+1]
	MOVQ x+8(FP), R13  // &x[i]
	MOVQ n+16(FP), CX
	SUBQ $1, CX        // row i has n−1−i words
	JLE  tdone
	MOVQ CX, 0(SP)

trow:
	MOVQ 0(R13), DX
	LEAQ 8(R13), SI
	MOVQ AX, DI
	MOVQ 0(SP), CX
	XORQ BX, BX
	CALL rowADX<>(SB)
	MOVQ BX, 0(DI)     // t[i+n] = carry
	LEAQ 16(AX), AX
	LEAQ 8(R13), R13
	SUBQ $1, 0(SP)
	JNZ  trow

tdone:
	RET

// func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL subleaf+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// DIAG doubles t's two words at toff(DI) on the CF chain and adds the square
// of the word at xoff(SI) on the OF chain.
#define DIAG(xoff, toff) \
	MOVQ xoff(SI), DX; \
	MULXQ DX, R10, R11; \
	MOVQ toff(DI), R12; \
	MOVQ toff+8(DI), R13; \
	ADCXQ R12, R12; \
	ADCXQ R13, R13; \
	ADOXQ R10, R12; \
	ADOXQ R11, R13; \
	MOVQ R12, toff(DI); \
	MOVQ R13, toff+8(DI)

// func sqrDiag48ADX(t, x *big.Word)
// Sets t = 2·t + Σ x[i]²·2^(128·i) over 96 words: the doubling runs on the
// CF chain (ADCX t, t), the squares on the OF chain (ADOX), fully unrolled
// for the 48 words of N because a loop counter would clobber both flags.
// Neither chain carries out of the top word: x < 2^3072 and t is its
// triangle of cross products, so 2·t + the squares = x² < 2^6144.
TEXT ·sqrDiag48ADX(SB), NOSPLIT, $0-16
	MOVQ t+0(FP), DI
	MOVQ x+8(FP), SI
	XORQ R8, R8 // CF = OF = 0
	DIAG(0, 0)
	DIAG(8, 16)
	DIAG(16, 32)
	DIAG(24, 48)
	DIAG(32, 64)
	DIAG(40, 80)
	DIAG(48, 96)
	DIAG(56, 112)
	DIAG(64, 128)
	DIAG(72, 144)
	DIAG(80, 160)
	DIAG(88, 176)
	DIAG(96, 192)
	DIAG(104, 208)
	DIAG(112, 224)
	DIAG(120, 240)
	DIAG(128, 256)
	DIAG(136, 272)
	DIAG(144, 288)
	DIAG(152, 304)
	DIAG(160, 320)
	DIAG(168, 336)
	DIAG(176, 352)
	DIAG(184, 368)
	DIAG(192, 384)
	DIAG(200, 400)
	DIAG(208, 416)
	DIAG(216, 432)
	DIAG(224, 448)
	DIAG(232, 464)
	DIAG(240, 480)
	DIAG(248, 496)
	DIAG(256, 512)
	DIAG(264, 528)
	DIAG(272, 544)
	DIAG(280, 560)
	DIAG(288, 576)
	DIAG(296, 592)
	DIAG(304, 608)
	DIAG(312, 624)
	DIAG(320, 640)
	DIAG(328, 656)
	DIAG(336, 672)
	DIAG(344, 688)
	DIAG(352, 704)
	DIAG(360, 720)
	DIAG(368, 736)
	DIAG(376, 752)
	RET

// ROW48 adds x·DX into t[k:k+48] (SI = &x[0], DI = &t[k]), with BX the carry
// in, and leaves the carry word as BX + CF + OF.
#define ROW48 \
	PAIR(0); \
	PAIR(16); \
	PAIR(32); \
	PAIR(48); \
	PAIR(64); \
	PAIR(80); \
	PAIR(96); \
	PAIR(112); \
	PAIR(128); \
	PAIR(144); \
	PAIR(160); \
	PAIR(176); \
	PAIR(192); \
	PAIR(208); \
	PAIR(224); \
	PAIR(240); \
	PAIR(256); \
	PAIR(272); \
	PAIR(288); \
	PAIR(304); \
	PAIR(320); \
	PAIR(336); \
	PAIR(352); \
	PAIR(368)

// The two loops of 48 full rows (N has 48 words) with each row unrolled:
// one flag-clearing TEST and one carry fold per row instead of per 8 words,
// and no call. Row k adds x·DX into t[k:k+48], leaving its carry word as
// BX + CF + OF.

// func mulRows48ADX(t, x, y *big.Word)
TEXT ·mulRows48ADX(SB), NOSPLIT, $0-24
	MOVQ t+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), R13
	MOVQ $48, CX
	XORQ R8, R8

mrow:
	MOVQ 0(R13), DX
	XORQ BX, BX // also CF = OF = 0
	ROW48
	ADCXQ R8, BX
	ADOXQ R8, BX
	MOVQ BX, 384(DI) // t[k+48] = carry; no row has touched it yet
	LEAQ 8(DI), DI
	LEAQ 8(R13), R13
	SUBQ $1, CX
	JNZ  mrow
	RET

// func montReduce48ADX(t, m *big.Word, k0 big.Word) big.Word
TEXT ·montReduce48ADX(SB), NOSPLIT, $0-32
	MOVQ t+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ k0+16(FP), R9
	XORQ R13, R13 // carry into t[k+48] left by the previous row
	MOVQ $48, CX
	XORQ R8, R8

rrow:
	MOVQ 0(DI), DX
	IMULQ R9, DX // q = t[k]·k0 clears t[k]
	XORQ BX, BX  // also CF = OF = 0
	ROW48
	ADCXQ R8, BX
	ADOXQ R8, BX
	MOVQ 384(DI), R10 // t[k+48] += row carry + previous carry
	XORQ R11, R11
	ADDQ BX, R10
	ADCQ $0, R11
	ADDQ R13, R10
	ADCQ $0, R11
	MOVQ R10, 384(DI)
	MOVQ R11, R13
	LEAQ 8(DI), DI
	SUBQ $1, CX
	JNZ  rrow
	MOVQ R13, ret+24(FP)
	RET
