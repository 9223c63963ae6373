package srp

import (
	"math/big"
	"math/bits"
)

// Portable versions of the math/big kernels montgomery.go uses. They are the
// kernels under the math_big_pure_go build tag, and the reference the
// linknamed ones are tested against.

// addMulVVWGeneric sets z += x·y over len(z) words and returns the carry word.
func addMulVVWGeneric(z, x []big.Word, y big.Word) (c big.Word) {
	for i := range z {
		hi, lo := bits.Mul(uint(x[i]), uint(y))
		lo, cc := bits.Add(lo, uint(z[i]), 0)
		hi += cc
		lo, cc = bits.Add(lo, uint(c), 0)
		hi += cc
		z[i] = big.Word(lo)
		c = big.Word(hi)
	}
	return c
}

// subVVGeneric sets z = x − y over len(z) words and returns the borrow.
func subVVGeneric(z, x, y []big.Word) (c big.Word) {
	for i := range z {
		d, b := bits.Sub(uint(x[i]), uint(y[i]), uint(c))
		z[i] = big.Word(d)
		c = big.Word(b)
	}
	return c
}

// shlVUGeneric sets z = x << s (0 ≤ s < word size) and returns the bits
// shifted out.
func shlVUGeneric(z, x []big.Word, s uint) (c big.Word) {
	if s == 0 {
		copy(z, x)
		return 0
	}
	if len(z) == 0 {
		return 0
	}
	rs := bits.UintSize - s
	c = x[len(z)-1] >> rs
	for i := len(z) - 1; i > 0; i-- {
		z[i] = x[i]<<s | x[i-1]>>rs
	}
	z[0] = x[0] << s
	return c
}
