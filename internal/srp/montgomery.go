package srp

import (
	"math/big"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Modular arithmetic mod N in Montgomery form, for the client's two costly
// steps: g^x (and g^a) from a fixed-base table, and S = base^(a+u·x) for a
// base the server chose.
//
// Why not big.Int.Exp: a sign-in's critical path, from the server's
// challenge to our answer, is one 3072-bit exponentiation with a 512-bit
// exponent, and big.Int.Exp has no dedicated squaring and uses one core.
// Here squarings skip the repeated cross products (about 10 % less work),
// and with two or more Ps the exponentiation is split in two pipelined
// halves (expN): one goroutine only squares, base^(4^j) for every j, while
// another multiplies each into a bucket picked by the exponent's 2-bit digit
// j (Yao's method). The multiplications hide behind the squarings, so the
// critical path is the 511 squarings alone instead of big.Int.Exp's 511
// squarings and 128 multiplications.
//
// Like big.Int.Exp this is not constant time. The exponent a + u·x is fresh
// for every sign-in (a is random), and the multiplications' timing hides
// behind the squarings'.
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
	// …doubled (x < R, so x² < R² and nothing is shifted out)…
	shlVU(t, t, 1)
	// …plus the squares x[i]², on the diagonal.
	var c uint
	for i, xi := range x {
		hi, lo := bits.Mul(uint(xi), uint(xi))
		var c1 uint
		lo, c1 = bits.Add(uint(t[2*i]), lo, c)
		hi, c = bits.Add(uint(t[2*i+1]), hi, c1)
		t[2*i], t[2*i+1] = big.Word(lo), big.Word(hi)
	}
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

// expN returns base^e mod N for 0 ≤ base < N and e ≥ 0: on two goroutines
// (expPipeline) when GOMAXPROCS allows, else with big.Int.Exp.
func expN(base, e *big.Int) *big.Int {
	if runtime.GOMAXPROCS(0) < 2 {
		return new(big.Int).Exp(base, e, N)
	}
	return new(expPipeline).exp(base, e)
}

// expPipeline computes one base^e mod N on two goroutines with Yao's method
// and 2-bit digits, e = Σ d_j·4^j. The caller squares, s_j = base^(4^j),
// publishing each s_j through done; a helper goroutine multiplies each s_j
// into bucket[d_j] as soon as it is published and at the end forms
// bucket[3]³·bucket[2]²·bucket[1].
//
// Neither side blocks in the scheduler: waking a thread on an idle CPU of a
// virtual machine takes 0.1–0.3 ms, a fifth of the whole exponentiation.
// They spin instead, and each turn of a spin also yields the OS thread
// (spinYield), because the kernel may well run the helper's thread on the
// caller's CPU, and a helper spinning there for its time slice stalled the
// squarings by milliseconds in a third of fresh processes. A helper that has
// not started by the time the squarings end (no CPU was free) is called off,
// and the caller does the multiplications itself: never slower than one
// goroutine by more than the spinning.
type expPipeline struct {
	state atomic.Int32 // pipeRunning → pipeHelping or pipeAlone
	e     *big.Int
	nd    int          // digits in e
	s     []big.Word   // s_j at s[j·mn:]
	done  atomic.Int64 // s_0 … s_(done−1) are ready
	res   []big.Word   // the helper's product; nil stands for 1
	fin   atomic.Bool  // res is set
}

const (
	pipeRunning = iota // the caller squares; the helper may join
	pipeHelping        // the helper multiplies alongside
	pipeAlone          // the helper never got a CPU: the caller multiplies too
)

// exp returns base^e mod N for 0 ≤ base < N and e ≥ 0. A pipeline is used
// once.
func (p *expPipeline) exp(base, e *big.Int) *big.Int {
	w := newMontWork()
	p.nd = (e.BitLen() + 1) / 2
	p.e = e
	p.s = make([]big.Word, max(p.nd, 1)*mn)
	copy(p.s, w.toMont(base))
	p.done.Store(1)
	startHelper(p)
	for j := 1; j < p.nd; j++ {
		prev, next := p.s[(j-1)*mn:j*mn], p.s[j*mn:(j+1)*mn]
		w.sqr(next, prev)
		w.sqr(next, next)
		p.done.Store(int64(j + 1))
	}
	var res []big.Word
	if p.state.CompareAndSwap(pipeRunning, pipeAlone) {
		// Every s_j is ready; waiting for a helper that has not started
		// could take a scheduler time slice.
		res = p.multiply(w)
	} else {
		for !p.fin.Load() {
			spinYield()
		}
		res = p.res
	}
	if res == nil {
		return big.NewInt(1)
	}
	return w.fromMont(res)
}

// startHelper starts p's helper goroutine; tests replace it to run the
// pipeline with a helper that never gets a CPU.
var startHelper = func(p *expPipeline) { go p.help() }

// help is the helper goroutine: it multiplies unless the caller has
// already taken the work over.
func (p *expPipeline) help() {
	if p.state.CompareAndSwap(pipeRunning, pipeHelping) {
		p.res = p.multiply(newMontWork())
		p.fin.Store(true)
	}
}

// multiply multiplies each s_j, as it is published, into bucket[d_j] and
// returns bucket[3]³·bucket[2]²·bucket[1] (nil for 1).
func (p *expPipeline) multiply(w *montWork) []big.Word {
	var bucket [4][]big.Word // nil stands for 1
	for j := range p.nd {
		for p.done.Load() <= int64(j) {
			spinYield()
		}
		if d := digit2(p.e, j); d != 0 {
			bucket[d] = w.mulInto(bucket[d], p.s[j*mn:(j+1)*mn])
		}
	}
	return w.runningProduct(bucket[1:])
}

// mulInto returns acc·x, reusing acc; a nil acc stands for 1.
func (w *montWork) mulInto(acc, x []big.Word) []big.Word {
	if acc == nil {
		return append([]big.Word(nil), x...)
	}
	w.mul(acc, acc, x)
	return acc
}

// runningProduct returns Π_d bucket[d−1]^d (nil for 1) with 2·(len−1)
// multiplications: walking d down, acc holds Π_{d' ≥ d} bucket[d'−1] and res
// collects acc once per d.
func (w *montWork) runningProduct(bucket [][]big.Word) []big.Word {
	var acc, res []big.Word
	for d := len(bucket); d >= 1; d-- {
		if b := bucket[d-1]; b != nil {
			acc = w.mulInto(acc, b)
		}
		if acc != nil {
			res = w.mulInto(res, acc)
		}
	}
	return res
}

// digit2 returns bits 2j and 2j+1 of e.
func digit2(e *big.Int, j int) int {
	return int(e.Bit(2*j+1))<<1 | int(e.Bit(2*j))
}
