package srp

import (
	"crypto/rand"
	"math/big"
	"testing"
)

func TestExpGMatchesExp(t *testing.T) {
	one := big.NewInt(1)
	exps := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(15), big.NewInt(16), big.NewInt(17),
		new(big.Int).Lsh(one, gTableBits-1),
		new(big.Int).Sub(new(big.Int).Lsh(one, gTableBits), one), // largest table exponent
		new(big.Int).Lsh(one, gTableBits),                        // first fallback
		new(big.Int).Sub(N, one),
		new(big.Int).Set(N),
		new(big.Int).Lsh(N, 5),
		big.NewInt(-3), // fallback: modular inverse of g^3
	}
	for _, bitsLen := range []int{4, 63, 64, 65, 255, 256, 511, 1023, 1024, 1025, gTableBits} {
		for range 8 {
			e, err := rand.Int(rand.Reader, new(big.Int).Lsh(one, uint(bitsLen)))
			if err != nil {
				t.Fatal(err)
			}
			exps = append(exps, e)
		}
	}
	for _, e := range exps {
		if got, want := expG(e), new(big.Int).Exp(G, e, N); got.Cmp(want) != 0 {
			t.Errorf("expG(%x) = %x…; want %x…", e, got.Bytes()[:8], want.Bytes()[:8])
		}
	}
	// expG must not alias or modify the table.
	r := expG(big.NewInt(1))
	r.SetInt64(7)
	if newMontWork().fromMont(gTable()[0]).Cmp(G) != 0 {
		t.Fatal("gTable()[0] was modified through expG's result")
	}
}
