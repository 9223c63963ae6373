package bench

import (
	"math/big"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// A realistic PASSWORD_VERIFIER challenge, as the emulator sends it: a
// 16-byte salt, B = k·v + g^b from a fresh b, a secret block.
const (
	srpPool     = "AbC123xyz"
	srpUserID   = "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a"
	srpPassword = "Correct-horse-battery-1"
	srpBlock    = "c2VjcmV0IGJsb2NrIGJ5dGVzIHNlY3JldCBibG9jayBieXRlcw=="
)

var srpNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func srpChallenge(b *testing.B) (salt, bHex string) {
	b.Helper()
	s := new(big.Int).SetBytes([]byte("0123456789abcdef"))
	srv, err := srp.NewServer(srp.Verifier(srpPool, srpUserID, srpPassword, s), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s.Text(16), srv.B()
}

// BenchmarkClientSRP is the client's SRP work for one USER_SRP_AUTH
// sign-in, whole and split in its two halves:
//
//   - whole:   NewClient (random a, A = g^a) + ParseChallenge + Respond
//   - A:       NewClient alone; it does not depend on the password or on
//     anything the server sends, so it can run while the password is typed
//   - respond: ParseChallenge + Respond (u, x, g^x, S = (B − k·g^x)^(a+u·x),
//     HKDF, HMAC): what stays between the server's challenge and our answer
//     when A was computed ahead.
func BenchmarkClientSRP(b *testing.B) {
	salt, bHex := srpChallenge(b)
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := srp.NewClient(srpPool, nil)
			if err != nil {
				b.Fatal(err)
			}
			ch, err := srp.ParseChallenge(salt, bHex, srpBlock)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Respond(ch, srpUserID, srpPassword, srpNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("A", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := srp.NewClient(srpPool, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("respond", func(b *testing.B) {
		c, err := srp.NewClient(srpPool, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ch, err := srp.ParseChallenge(salt, bHex, srpBlock)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Respond(ch, srpUserID, srpPassword, srpNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The floor under respond: one math/big Exp mod the 3072-bit N with a
	// 512-bit exponent, the size of a + u·x (u and x are SHA-256 values).
	b.Run("modexp512", func(b *testing.B) {
		base, _ := new(big.Int).SetString(bHex, 16)
		e := new(big.Int).Lsh(big.NewInt(1), 511)
		e.Sub(e, big.NewInt(12345))
		b.ReportAllocs()
		for b.Loop() {
			new(big.Int).Exp(base, e, srp.N)
		}
	})
}
