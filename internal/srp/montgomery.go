package srp

import (
	"math/big"
	"math/bits"
	"sync"
)

// Modular arithmetic mod N in Montgomery form, for the client's two costly
// steps: g^x (and g^a) from a fixed-base table, and S = base^(a+u·x) for a
// base the server chose.
//
// Why not big.Int.Exp: a sign-in's critical path, from the server's
// challenge to our answer, is one 3072-bit exponentiation with a 512-bit
// exponent (2.0–2.3 ms with big.Int.Exp here). Here squarings skip the
// repeated cross products, the amd64 rows run a whole loop of rows per call
// (montgomery_amd64.s), and a 5-bit sliding window needs fewer
// multiplications: 1.2–1.35 ms.
//
// Like big.Int.Exp this is not constant time; the exponent a + u·x is fresh
// for every sign-in (a is random).
//
// Numbers are little-endian slices of exactly mn words, below R = 2^(W·mn),
// where W is the word size. Results of mul and sqr are below R but not
// always below N (they are "almost Montgomery"); fromMont reduces fully.

var (
	mWords = N.Bits()    // N's words; N's top word is non-zero
	mn     = len(mWords) // 48 on 64-bit platforms
	mK0    = negInvWord(mWords[0])
	// mRR is R² mod N, to convert into Montgomery form; computed on first
	// use, to keep it out of every cognito-login process's start-up.
	mRR = sync.OnceValue(func() []big.Word {
		r2 := new(big.Int).Lsh(big.NewInt(1), uint(2*bits.UintSize*mn))
		return fixedWords(r2.Mod(r2, N))
	})
)

// negInvWord returns −m⁻¹ mod 2^W for odd m (Newton's iteration doubles the
// correct low bits each step: 1 → 64 bits in six).
func negInvWord(m big.Word) big.Word {
	inv := big.Word(1)
	for range 6 {
		inv *= 2 - m*inv
	}
	return -inv
}

// fixedWords returns x (0 ≤ x < R) as exactly mn words, in a new slice.
func fixedWords(x *big.Int) []big.Word {
	w := make([]big.Word, mn)
	copy(w, x.Bits())
	return w
}

// montWork is one goroutine's scratch space.
type montWork struct {
	t []big.Word // 2·mn words
}

func newMontWork() *montWork { return &montWork{t: make([]big.Word, 2*mn)} }

// mul sets z = x·y·R⁻¹ (mod N). z may alias x or y.
func (w *montWork) mul(z, x, y []big.Word) {
	clear(w.t)
	mulRows(w.t, x, y)
	w.finish(z, montReduce(w.t))
}

// sqr sets z = x²·R⁻¹ (mod N). z may alias x.
func (w *montWork) sqr(z, x []big.Word) {
	t := w.t
	clear(t)
	// The products x[i]·x[j] for i < j, once each…
	sqrTriangle(t, x)
	// …doubled, plus the squares x[i]² on the diagonal.
	sqrDiag(t, x)
	w.finish(z, montReduce(t))
}

// The three loops of rows under mul and sqr. Each row is one math/big
// kernel call; montgomery_amd64.s runs the same rows without a call per
// row, when the CPU has MULX, ADCX and ADOX.

// mulRowsGeneric adds the product x·y into t (2·mn words), which must be
// zero above the words the product touches.
func mulRowsGeneric(t, x, y []big.Word) {
	for i := range mn {
		t[i+mn] = addMulVVW(t[i:i+mn], x, y[i])
	}
}

// sqrTriangleGeneric sets t (2·mn words, zero) to Σ_{i<j} x[i]·x[j]·W^(i+j).
func sqrTriangleGeneric(t, x []big.Word) {
	for i := range mn - 1 {
		t[i+mn] = addMulVVW(t[2*i+1:i+mn], x[i+1:], x[i])
	}
}

// sqrDiagGeneric sets t (2·mn words) to 2·t + Σ x[i]²·W^(2i). For t the
// triangle of x this is x², which is below R², so nothing carries out.
func sqrDiagGeneric(t, x []big.Word) {
	shlVU(t, t, 1)
	var c uint
	for i, xi := range x {
		hi, lo := bits.Mul(uint(xi), uint(xi))
		var c1 uint
		lo, c1 = bits.Add(uint(t[2*i]), lo, c)
		hi, c = bits.Add(uint(t[2*i+1]), hi, c1)
		t[2*i], t[2*i+1] = big.Word(lo), big.Word(hi)
	}
}

// montReduceGeneric adds to t (2·mn words) the multiple of N that clears
// its low mn words, leaving t[mn:] + carry·R = t·R⁻¹ (mod N).
func montReduceGeneric(t []big.Word) (carry big.Word) {
	for i := range mn {
		c := addMulVVW(t[i:mn+i], mWords, t[i]*mK0)
		s, c1 := bits.Add(uint(t[mn+i]), uint(c), 0)
		s, c2 := bits.Add(s, uint(carry), 0)
		t[mn+i] = big.Word(s)
		carry = big.Word(c1 + c2)
	}
	return carry
}

// finish copies the reduced value t[mn:] + c·R into z, subtracting N once
// when it does not fit below R.
func (w *montWork) finish(z []big.Word, c big.Word) {
	hi := w.t[mn : 2*mn]
	if c != 0 {
		subVV(z, hi, mWords)
	} else {
		copy(z, hi)
	}
}

// toMont returns x·R mod N for 0 ≤ x < N.
func (w *montWork) toMont(x *big.Int) []big.Word {
	z := fixedWords(x)
	w.mul(z, z, mRR())
	return z
}

// fromMont returns x·R⁻¹ mod N, fully reduced.
func (w *montWork) fromMont(x []big.Word) *big.Int {
	one := make([]big.Word, mn)
	one[0] = 1
	z := make([]big.Word, mn)
	w.mul(z, x, one)
	r := new(big.Int).SetBits(z)
	if r.Cmp(N) >= 0 {
		r.Sub(r, N)
	}
	return r
}

// expWindow is the sliding window of expN: 16 odd powers of the base are
// precomputed, and a 512-bit exponent then takes about 85 multiplications
// besides its 511 squarings (big.Int.Exp's fixed 4-bit window: 128).
const expWindow = 5

// expN returns base^e mod N for 0 ≤ base < N and e ≥ 0, by left-to-right
// sliding-window exponentiation on this file's Montgomery arithmetic.
//
// It runs on one goroutine. Splitting it over the machine's two CPUs (one
// squaring, one multiplying into Yao's buckets, spinning to hand over) was
// tried: 6 % faster in a benchmark loop, but no faster in a fresh process,
// where waking the second CPU and sharing a physical core cost as much, and
// its tail was worse (the kernel sometimes ran both threads on one CPU).
func expN(base, e *big.Int) *big.Int {
	w := newMontWork()
	b := w.toMont(base)
	var odd [1 << (expWindow - 1)][]big.Word // odd[k] = base^(2k+1)
	odd[0] = b
	b2 := make([]big.Word, mn)
	w.sqr(b2, b)
	for k := 1; k < len(odd); k++ {
		odd[k] = make([]big.Word, mn)
		w.mul(odd[k], odd[k-1], b2)
	}
	var acc []big.Word // nil stands for 1: no squaring of 1
	for i := e.BitLen() - 1; i >= 0; {
		if e.Bit(i) == 0 {
			if acc != nil {
				w.sqr(acc, acc)
			}
			i--
			continue
		}
		// The window e[i..l] ends on a set bit and is at most expWindow long.
		l := max(i-expWindow+1, 0)
		for e.Bit(l) == 0 {
			l++
		}
		v := 0
		for k := i; k >= l; k-- {
			v = v<<1 | int(e.Bit(k))
			if acc != nil {
				w.sqr(acc, acc)
			}
		}
		acc = w.mulInto(acc, odd[v>>1])
		i = l - 1
	}
	if acc == nil {
		return big.NewInt(1)
	}
	return w.fromMont(acc)
}

// mulInto returns acc·x, reusing acc; a nil acc stands for 1.
func (w *montWork) mulInto(acc, x []big.Word) []big.Word {
	if acc == nil {
		return append([]big.Word(nil), x...)
	}
	w.mul(acc, acc, x)
	return acc
}
