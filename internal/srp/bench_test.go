package srp

import (
	"math/big"
	"testing"
	"time"
)

// benchChallenge is a realistic PASSWORD_VERIFIER challenge: a 16-byte salt and
// B = k·v + g^b from a server-sized b.
func benchChallenge(b *testing.B) (salt, bHex, block string) {
	b.Helper()
	s := new(big.Int).SetBytes([]byte("0123456789abcdef"))
	v := Verifier("AbC123xyz", "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a", "Correct-horse-battery-1", s)
	srv, err := NewServer(v, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s.Text(16), srv.B(), "c2VjcmV0IGJsb2NrIGJ5dGVzIHNlY3JldCBibG9jayBieXRlcw=="
}

var benchNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// BenchmarkClientSignIn is the client's whole SRP work for one sign-in.
func BenchmarkClientSignIn(b *testing.B) {
	salt, bHex, block := benchChallenge(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewClient("AbC123xyz", nil)
		if err != nil {
			b.Fatal(err)
		}
		ch, err := ParseChallenge(salt, bHex, block)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Respond(ch, "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a", "Correct-horse-battery-1", benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewClient(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewClient("AbC123xyz", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRespond(b *testing.B) {
	salt, bHex, block := benchChallenge(b)
	c, err := NewClient("AbC123xyz", nil)
	if err != nil {
		b.Fatal(err)
	}
	ch, err := ParseChallenge(salt, bHex, block)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Respond(ch, "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a", "Correct-horse-battery-1", benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerVerify is the emulator's side of one sign-in (NewServer + Verify).
func BenchmarkServerVerify(b *testing.B) {
	s := new(big.Int).SetBytes([]byte("0123456789abcdef"))
	v := Verifier("AbC123xyz", "user", "pw", s)
	c, err := NewClient("AbC123xyz", nil)
	if err != nil {
		b.Fatal(err)
	}
	block := []byte("secret block")
	b.ReportAllocs()
	for b.Loop() {
		srv, err := NewServer(v, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := srv.Verify(c.A(), "AbC123xyz", "user", block, "ts", "sig"); err != nil {
			b.Fatal(err)
		}
	}
}
