package srp

import (
	"crypto/rand"
	"math/big"
	"math/bits"
	"slices"
	"testing"
)

var bigR = new(big.Int).Lsh(big.NewInt(1), uint(bits.UintSize*mn))

// montInputs are values below R, the range mul and sqr accept: random ones
// and the extremes that make every carry chain run (R−1, N−1, N … R−1,
// words of all ones).
func montInputs(t testing.TB, random int) []*big.Int {
	t.Helper()
	one := big.NewInt(1)
	in := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(bigR, one),
		new(big.Int).Sub(N, one),
		new(big.Int).Set(N),
		new(big.Int).Add(N, one),
		new(big.Int).Sub(bigR, big.NewInt(2)),
		new(big.Int).Lsh(one, uint(bits.UintSize*mn-1)),
		new(big.Int).Sub(new(big.Int).Lsh(one, uint(bits.UintSize*(mn-1))), one),
	}
	for range random {
		x, err := rand.Int(rand.Reader, bigR)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, x)
	}
	return in
}

var rInv = new(big.Int).ModInverse(bigR, N)

// montRef is x·y·R⁻¹ mod N by math/big.
func montRef(x, y *big.Int) *big.Int {
	z := new(big.Int).Mul(x, y)
	z.Mul(z, rInv)
	return z.Mod(z, N)
}

// checkMont fails unless got (a value of mul or sqr) is below R and
// congruent to want mod N.
func checkMont(t *testing.T, what string, got []big.Word, want *big.Int) {
	t.Helper()
	g := new(big.Int).SetBits(slices.Clone(got))
	if g.Cmp(bigR) >= 0 {
		t.Fatalf("%s: result %x… is not below R", what, g.Bytes()[:8])
	}
	if new(big.Int).Mod(g, N).Cmp(want) != 0 {
		t.Fatalf("%s: wrong result", what)
	}
}

func TestMontMulAndSqrMatchMathBig(t *testing.T) {
	for _, adx := range adxModes() {
		t.Run(adx.name, func(t *testing.T) {
			defer adx.set()()
			w := newMontWork()
			in := montInputs(t, 40)
			for i, x := range in {
				xw := fixedWords(x)
				z := make([]big.Word, mn)
				w.sqr(z, xw)
				checkMont(t, "sqr", z, montRef(x, x))
				w.sqr(xw, xw) // in place
				checkMont(t, "sqr in place", xw, montRef(x, x))
				y := in[(i*7+3)%len(in)]
				xw, yw := fixedWords(x), fixedWords(y)
				w.mul(z, xw, yw)
				checkMont(t, "mul", z, montRef(x, y))
				w.mul(xw, xw, yw) // in place
				checkMont(t, "mul in place", xw, montRef(x, y))
			}
		})
	}
}

func TestMontConversionsRoundTrip(t *testing.T) {
	w := newMontWork()
	for _, x := range montInputs(t, 20) {
		x.Mod(x, N)
		if got := w.fromMont(w.toMont(x)); got.Cmp(x) != 0 {
			t.Fatalf("fromMont(toMont(x)) = %x…; want x", got.Bytes()[:8])
		}
	}
	// fromMont reduces fully even from the top of its input range.
	top := fixedWords(new(big.Int).Sub(bigR, big.NewInt(1)))
	want := montRef(new(big.Int).Sub(bigR, big.NewInt(1)), big.NewInt(1))
	if got := w.fromMont(top); got.Cmp(want) != 0 || got.Cmp(N) >= 0 {
		t.Fatal("fromMont(R−1) is not reduced")
	}
}

func TestKernelsMatchGeneric(t *testing.T) {
	for _, x := range montInputs(t, 20) {
		xw := fixedWords(x)
		for _, y := range []big.Word{0, 1, ^big.Word(0), xw[0], xw[mn-1]} {
			for _, n := range []int{0, 1, 3, 4, 5, mn} {
				z1 := fixedWords(x)[:n]
				z2 := slices.Clone(z1)
				src := fixedWords(new(big.Int).Rsh(x, 7))[:n]
				if c1, c2 := addMulVVW(z1, src, y), addMulVVWGeneric(z2, src, y); c1 != c2 || !slices.Equal(z1, z2) {
					t.Fatalf("addMulVVW(n=%d) differs from the generic loop", n)
				}
				if c1, c2 := subVV(z1, z1, src), subVVGeneric(z2, z2, src); c1 != c2 || !slices.Equal(z1, z2) {
					t.Fatalf("subVV(n=%d) differs from the generic loop", n)
				}
				if c1, c2 := shlVU(z1, z1, 1), shlVUGeneric(z2, z2, 1); c1 != c2 || !slices.Equal(z1, z2) {
					t.Fatalf("shlVU(n=%d) differs from the generic loop", n)
				}
			}
		}
	}
}

// expSizes are exponent sizes for the exponentiation tests: around the
// window size, S's 512 bits, and the 1024-bit a of the JS vectors.
var expSizes = []int{0, 1, 2, 3, 4, 5, 63, 64, 65, 255, 256, 511, 512, 513, 1024, 1100}

func randBits(t testing.TB, n int) *big.Int {
	t.Helper()
	if n == 0 {
		return new(big.Int)
	}
	e, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(n)))
	if err != nil {
		t.Fatal(err)
	}
	return e.SetBit(e, n-1, 1) // exactly n bits
}

func TestExpNMatchesExp(t *testing.T) {
	bases := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(N, big.NewInt(1))}
	for range 4 {
		b, err := rand.Int(rand.Reader, N)
		if err != nil {
			t.Fatal(err)
		}
		bases = append(bases, b)
	}
	for _, adx := range adxModes() {
		t.Run(adx.name, func(t *testing.T) {
			defer adx.set()()
			for _, n := range expSizes {
				e := randBits(t, n)
				// All ones: every window full; a power of two: one window,
				// then squarings only; alternating bits: windows cut short.
				ones := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(n)), big.NewInt(1))
				pow2 := new(big.Int).Lsh(big.NewInt(1), uint(max(n-1, 0)))
				alt := new(big.Int)
				for i := 0; i < n; i += 2 {
					alt.SetBit(alt, i, 1)
				}
				for _, e := range []*big.Int{e, ones, pow2, alt} {
					for _, b := range bases {
						if got, want := expN(b, e), new(big.Int).Exp(b, e, N); got.Cmp(want) != 0 {
							t.Fatalf("expN(%x…, %d-bit e %x) differs from big.Int.Exp", b.Bytes(), e.BitLen(), e)
						}
					}
				}
			}
		})
	}
}

type adxMode struct {
	name string
	set  func() (restore func())
}

// adxModes runs a test with the amd64 assembly rows and with the generic
// rows (only the latter exist elsewhere).
func adxModes() []adxMode {
	modes := []adxMode{{"generic", func() func() { return setADX(false) }}}
	if hasADX() {
		modes = append(modes, adxMode{"adx", func() func() { return setADX(true) }})
	}
	return modes
}
