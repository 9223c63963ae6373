// Rows of multiply-accumulate for montgomery.go, with MULX and the two carry
// chains of ADCX (CF) and ADOX (OF), as math/big's addMulVVWW does for one
// row; here a whole loop of rows is one call, which saves about a fifth of
// a 3072-bit Montgomery squaring. montgomery_amd64.go calls these only when
// the CPU has BMI2 and ADX.

#include "textflag.h"

// rowADX adds x[0:CX]·DX into z[0:CX] and returns the carry word.
// In: DX multiplier, SI = &x[0], DI = &z[0], CX = length, BX = carry in.
// Out: BX = carry out; SI and DI advanced by CX words.
// Clobbers CX, R8–R12 and the flags; leaves AX, R13 alone.
TEXT rowADX<>(SB), NOSPLIT, $0
	XORQ R8, R8
	MOVQ CX, R9
	ANDQ $7, R9
	SHRQ $3, CX
	TESTQ R9, R9
	JZ   eight

one:
	TESTQ R8, R8 // CF = OF = 0
	MULXQ 0(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 0(DI), R10
	MOVQ R10, 0(DI)
	MOVQ R11, BX
	ADCXQ R8, BX // the row's carry fits a word: fold CF and OF into it
	ADOXQ R8, BX
	LEAQ 8(SI), SI
	LEAQ 8(DI), DI
	SUBQ $1, R9
	JNZ  one

eight:
	TESTQ CX, CX
	JZ    done

eightloop:
	TESTQ R8, R8
	MULXQ 0(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 0(DI), R10
	MOVQ R10, 0(DI)
	MULXQ 8(SI), R12, BX
	ADCXQ R11, R12
	ADOXQ 8(DI), R12
	MOVQ R12, 8(DI)
	MULXQ 16(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 16(DI), R10
	MOVQ R10, 16(DI)
	MULXQ 24(SI), R12, BX
	ADCXQ R11, R12
	ADOXQ 24(DI), R12
	MOVQ R12, 24(DI)
	MULXQ 32(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 32(DI), R10
	MOVQ R10, 32(DI)
	MULXQ 40(SI), R12, BX
	ADCXQ R11, R12
	ADOXQ 40(DI), R12
	MOVQ R12, 40(DI)
	MULXQ 48(SI), R10, R11
	ADCXQ BX, R10
	ADOXQ 48(DI), R10
	MOVQ R10, 48(DI)
	MULXQ 56(SI), R12, BX
	ADCXQ R11, R12
	ADOXQ 56(DI), R12
	MOVQ R12, 56(DI)
	ADCXQ R8, BX
	ADOXQ R8, BX
	LEAQ 64(SI), SI
	LEAQ 64(DI), DI
	SUBQ $1, CX
	JNZ  eightloop

done:
	RET

// func mulRowsADX(t, x, y *big.Word, n int)
TEXT ·mulRowsADX(SB), NOSPLIT, $8-32
	MOVQ t+0(FP), AX   // &t[i]
	MOVQ y+16(FP), R13 // &y[i]
	MOVQ n+24(FP), CX
	MOVQ CX, 0(SP)     // rows left
	TESTQ CX, CX
	JZ   mdone

mrow:
	MOVQ 0(R13), DX
	MOVQ x+8(FP), SI
	MOVQ AX, DI
	MOVQ n+24(FP), CX
	XORQ BX, BX
	CALL rowADX<>(SB)
	MOVQ BX, 0(DI)     // t[i+n] = carry; no row has touched it yet
	LEAQ 8(AX), AX
	LEAQ 8(R13), R13
	SUBQ $1, 0(SP)
	JNZ  mrow

mdone:
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

// func montReduceADX(t, m *big.Word, n int, k0 big.Word) big.Word
TEXT ·montReduceADX(SB), NOSPLIT, $8-40
	MOVQ t+0(FP), AX   // &t[i]
	MOVQ n+16(FP), CX
	MOVQ CX, 0(SP)
	XORQ R13, R13      // carry into t[i+n] left by the previous row
	TESTQ CX, CX
	JZ   rdone

rrow:
	MOVQ 0(AX), DX
	IMULQ k0+24(FP), DX // q = t[i]·k0 clears t[i]
	MOVQ m+8(FP), SI
	MOVQ AX, DI
	MOVQ n+16(FP), CX
	XORQ BX, BX
	CALL rowADX<>(SB)
	MOVQ 0(DI), R10    // t[i+n] += row carry + previous carry
	XORQ R11, R11
	ADDQ BX, R10
	ADCQ $0, R11
	ADDQ R13, R10
	ADCQ $0, R11
	MOVQ R10, 0(DI)
	MOVQ R11, R13
	LEAQ 8(AX), AX
	SUBQ $1, 0(SP)
	JNZ  rrow

rdone:
	MOVQ R13, ret+32(FP)
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
