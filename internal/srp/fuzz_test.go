package srp

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func FuzzParseChallenge(f *testing.F) {
	v := loadVectors(f)
	for _, tc := range v.SRPCases {
		f.Add(tc.Inputs.Salt, tc.Inputs.B, tc.Inputs.SecretBlock)
	}
	for _, tc := range v.DeviceCases {
		f.Add(tc.Salt, tc.Verifier, tc.SaltB64)
	}
	nHex := N.Text(16)
	for _, hostile := range [][3]string{
		{"", "", ""},
		{"0", "0", "AA=="},
		{"1", nHex, "AA=="},
		{"1", strings.ToUpper(nHex), "AA=="},
		{"1", new(big.Int).Lsh(N, 1).Text(16), "AA=="},
		{"1", new(big.Int).Add(N, big.NewInt(1)).Text(16), "AA=="},
		{"1", new(big.Int).Sub(N, big.NewInt(1)).Text(16), "AA=="},
		{"1", "-2", "AA=="},
		{"1", "0x2", "AA=="},
		{"1", " 2", "AA=="},
		{"1", "2", "not base64"},
		{"1", "2", "===="},
		{strings.Repeat("f", 4096), strings.Repeat("f", 4096), "AA=="},
		{strings.Repeat("f", 4097), "2", "AA=="},
		{"\xff", "\x00", "\xfe"},
	} {
		f.Add(hostile[0], hostile[1], hostile[2])
	}

	c, err := NewClientWithA("AbC123", big.NewInt(0x5eed))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 3, 5, 9, 3, 7, 0, time.UTC)
	f.Fuzz(func(t *testing.T, salt, b, block string) {
		ch, err := ParseChallenge(salt, b, block)
		if err != nil {
			if !errors.Is(err, ErrInvalidServerValue) {
				t.Fatalf("error %q does not wrap ErrInvalidServerValue", err)
			}
			return
		}
		if ch.Salt == nil || ch.B == nil || ch.Salt.Sign() < 0 || ch.B.Sign() <= 0 {
			t.Fatalf("accepted challenge with bad values: %+v", ch)
		}
		if new(big.Int).Mod(ch.B, N).Sign() == 0 {
			t.Fatalf("accepted B ≡ 0 (mod N): %s", b)
		}
		resp, err := c.Respond(ch, "user", "password", now)
		if err != nil {
			// Only u = 0 could get here, which needs a SHA-256 preimage.
			t.Fatalf("Respond on an accepted challenge: %v", err)
		}
		if resp.Signature == "" || resp.Timestamp != "Thu Mar 5 09:03:07 UTC 2026" {
			t.Fatalf("Respond = %+v", resp)
		}
	})
}

func FuzzServerVerify(f *testing.F) {
	v := loadVectors(f)
	for _, tc := range v.SRPCases {
		f.Add(tc.Outputs.A, tc.Outputs.Timestamp, tc.Outputs.Signature)
	}
	f.Add("", "", "")
	f.Add("0", "x", "y")
	f.Add(N.Text(16), "x", "y")
	f.Add(strings.Repeat("f", 4097), "x", "y")
	f.Add("-1", "x", "y")

	srv, err := NewServerWithB(Verifier("AbC123", "user", "pw", big.NewInt(7)), big.NewInt(0xb0b))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, aHex, timestamp, sig string) {
		ok, err := srv.Verify(aHex, "AbC123", "user", []byte("block"), timestamp, sig)
		if verr := ValidateA(aHex); (verr == nil) != (err == nil) {
			t.Fatalf("Verify error %v but ValidateA error %v", err, verr)
		}
		if err != nil && ok {
			t.Fatal("Verify returned true with an error")
		}
	})
}

// FuzzMontgomery checks mul and sqr against math/big on any two values below
// R, with the assembly rows where the CPU has them and with the generic ones.
func FuzzMontgomery(f *testing.F) {
	f.Add([]byte{1}, []byte{2})
	f.Add(bytes.Repeat([]byte{0xff}, 384), bytes.Repeat([]byte{0xff}, 384))
	f.Add(N.Bytes(), bytes.Repeat([]byte{0xff}, 200))
	f.Fuzz(func(t *testing.T, xb, yb []byte) {
		if len(xb) > 384 || len(yb) > 384 {
			return
		}
		x, y := new(big.Int).SetBytes(xb), new(big.Int).SetBytes(yb)
		for _, adx := range adxModes() {
			restore := adx.set()
			w := newMontWork()
			z := make([]big.Word, mn)
			w.mul(z, fixedWords(x), fixedWords(y))
			checkMont(t, adx.name+" mul", z, montRef(x, y))
			w.sqr(z, fixedWords(x))
			checkMont(t, adx.name+" sqr", z, montRef(x, x))
			restore()
		}
	})
}
