package srp

import (
	"math/big"
	"sync"
)

// useADX selects montgomery_amd64.s. Every x86-64 CPU since 2014–2015 has
// these instructions; the generic rows still run on those that do not.
// Asked on first use, not at start-up (CPUID is a VM exit under a
// hypervisor, and every cognito-login process would pay for it).
var (
	useADXOnce  sync.Once
	useADXValue bool
)

func useADX() bool {
	useADXOnce.Do(func() { useADXValue = cpuHasADX() })
	return useADXValue
}

// cpuHasADX reports CPUID leaf 7's BMI2 (EBX bit 8, for MULX) and ADX
// (EBX bit 19, for ADCX and ADOX).
func cpuHasADX() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, ebx, _, _ := cpuid(7, 0)
	return ebx&(1<<8) != 0 && ebx&(1<<19) != 0
}

//go:noescape
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

func mulRows(t, x, y []big.Word) {
	if useADX() && mn == 48 {
		_, _, _ = t[2*mn-1], x[mn-1], y[mn-1]
		mulRows48ADX(&t[0], &x[0], &y[0])
		return
	}
	mulRowsGeneric(t, x, y)
}

func sqrTriangle(t, x []big.Word) {
	if useADX() {
		_, _ = t[2*mn-1], x[mn-1]
		sqrTriangleADX(&t[0], &x[0], mn)
		return
	}
	sqrTriangleGeneric(t, x)
}

func sqrDiag(t, x []big.Word) {
	if useADX() && mn == 48 {
		_, _ = t[2*mn-1], x[mn-1]
		sqrDiag48ADX(&t[0], &x[0])
		return
	}
	sqrDiagGeneric(t, x)
}

func montReduce(t []big.Word) big.Word {
	if useADX() && mn == 48 {
		_ = t[2*mn-1]
		return montReduce48ADX(&t[0], &mWords[0], mK0)
	}
	return montReduceGeneric(t)
}

// mulRows48ADX is mulRowsGeneric for 48 words.
//
//go:noescape
func mulRows48ADX(t, x, y *big.Word)

// sqrTriangleADX is sqrTriangleGeneric for n = len(x) words.
//
//go:noescape
func sqrTriangleADX(t, x *big.Word, n int)

// sqrDiag48ADX is sqrDiagGeneric for 48 words.
//
//go:noescape
func sqrDiag48ADX(t, x *big.Word)

// montReduce48ADX is montReduceGeneric for the 48-word modulus m and
// k0 = −m⁻¹ mod 2⁶⁴.
//
//go:noescape
func montReduce48ADX(t, m *big.Word, k0 big.Word) big.Word
