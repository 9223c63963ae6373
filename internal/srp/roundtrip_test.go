package srp

import (
	"math/big"
	"testing"
	"time"
)

func TestClientServerRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, password, try string
		want                bool
	}{
		{"right password", "Correct-horse-1", "Correct-horse-1", true},
		{"wrong password", "Correct-horse-1", "Correct-horse-2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			salt := big.NewInt(0x1234567)
			v := Verifier("AbC123", "user-id", tc.password, salt)
			srv, err := NewServer(v, nil)
			if err != nil {
				t.Fatal(err)
			}
			cl, err := NewClient("AbC123", nil)
			if err != nil {
				t.Fatal(err)
			}
			block := []byte("secret block bytes")
			ch, err := ParseChallenge(salt.Text(16), srv.B(), "c2VjcmV0IGJsb2NrIGJ5dGVz")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := cl.Respond(ch, "user-id", tc.try, time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Timestamp != "Fri Jan 2 15:04:05 UTC 2026" {
				t.Errorf("Timestamp = %q", resp.Timestamp)
			}
			ok, err := srv.Verify(cl.A(), "AbC123", "user-id", block, resp.Timestamp, resp.Signature)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Errorf("Verify = %v; want %v", ok, tc.want)
			}
		})
	}
}

func TestPrivateValueSize(t *testing.T) {
	for i := 0; i < 20; i++ {
		c, err := NewClient("pool", nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := c.a.BitLen(); n > 8*privateBytes || n < 8*privateBytes-32 {
			t.Fatalf("a has %d bits; want about %d", n, 8*privateBytes)
		}
	}
}
