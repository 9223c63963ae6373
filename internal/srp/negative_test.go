package srp

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestParseChallengeRejects(t *testing.T) {
	const (
		salt  = "3ccc316484c458acfbf19390547fb3c3"
		b     = "c226cc16115c706866e8dd6a2e751add"
		block = "c2VjcmV0IGJsb2NrIGJ5dGVz"
	)
	nHex := N.Text(16)
	twoN := new(big.Int).Lsh(N, 1).Text(16)
	long := strings.Repeat("f", 4097)
	for _, tc := range []struct {
		name, salt, b, block string
	}{
		{"B = 0", salt, "0", block},
		{"B = 00…0", salt, "0000", block},
		{"B = N", salt, nHex, block},
		{"B = N uppercase", salt, strings.ToUpper(nHex), block},
		{"B = 2N", salt, twoN, block},
		{"B = 0 with leading zeros, N-sized", salt, strings.Repeat("0", 768), block},
		{"B not hex", salt, "xyz", block},
		{"B with 0x prefix", salt, "0x" + b, block},
		{"B negative", salt, "-" + b, block},
		{"B with plus sign", salt, "+" + b, block},
		{"B with space", salt, b + " ", block},
		{"B with newline", salt, b + "\n", block},
		{"B with underscore", salt, "c2_26", block},
		{"B with non-ASCII digit", salt, "١٢٣", block},
		{"B with NUL", salt, "ab\x00cd", block},
		{"B with invalid UTF-8", salt, "ab\xffcd", block},
		{"B empty", salt, "", block},
		{"B over-long", salt, long, block},
		{"salt empty", "", b, block},
		{"salt not hex", "salty", b, block},
		{"salt over-long", long, b, block},
		{"SECRET_BLOCK empty", salt, b, ""},
		{"SECRET_BLOCK not base64", salt, b, "not base64!"},
		{"SECRET_BLOCK unpadded", salt, b, "c2VjcmV0IGJsb2NrIGJ5dGV"},
		{"SECRET_BLOCK URL alphabet", salt, b, "-_-_"},
		{"SECRET_BLOCK trailing garbage", salt, b, block + "="},
		{"SECRET_BLOCK huge", salt, b, strings.Repeat("QUFB", 20000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := ParseChallenge(tc.salt, tc.b, tc.block)
			if err == nil {
				t.Fatalf("ParseChallenge(%.40q, %.40q, %.40q) = %+v, nil; want an error", tc.salt, tc.b, tc.block, ch)
			}
			if !errors.Is(err, ErrInvalidServerValue) {
				t.Errorf("error %q does not wrap ErrInvalidServerValue", err)
			}
		})
	}
}

func TestParseChallengeAccepts(t *testing.T) {
	// Values the library accepts too: B ≡ 1 (mod N) and B > N are not refused
	// by amazon-cognito-identity-js either (it only checks B mod N ≠ 0), and the
	// 4096-character limit leaves room for any real value.
	nPlus1 := new(big.Int).Add(N, big.NewInt(1)).Text(16)
	for _, tc := range []struct{ name, salt, b string }{
		{"B = 1", "1", "1"},
		{"B = N+1", "ab", nPlus1},
		{"B uppercase, salt with zeros", "00AB", "ABCDEF"},
		{"4096 characters", strings.Repeat("0", 4095) + "1", strings.Repeat("0", 4095) + "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseChallenge(tc.salt, tc.b, "AA=="); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRespondRejectsUnparsedOrZeroB(t *testing.T) {
	c, err := NewClientWithA("AbC123", big.NewInt(12345))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		ch   Challenge
	}{
		{"zero Challenge", Challenge{}},
		{"nil salt", Challenge{B: big.NewInt(2)}},
		{"nil B", Challenge{Salt: big.NewInt(2)}},
		{"B = 0 built by hand", Challenge{Salt: big.NewInt(2), B: new(big.Int)}},
		{"B = N built by hand", Challenge{Salt: big.NewInt(2), B: new(big.Int).Set(N)}},
		{"B = -N built by hand", Challenge{Salt: big.NewInt(2), B: new(big.Int).Neg(N)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Respond(tc.ch, "user", "pw", now); !errors.Is(err, ErrInvalidServerValue) {
				t.Errorf("Respond error = %v; want ErrInvalidServerValue", err)
			}
		})
	}
}

// u = H(pad(A) | pad(B)) = 0 would need a SHA-256 preimage of zero, so no
// input can reach the u = 0 checks in sessionKey and Server.Verify; they are
// covered by reading only. What can be reached is tested here: the A checks.
func TestServerRejectsBadA(t *testing.T) {
	srv, err := NewServerWithB(Verifier("AbC123", "user", "pw", big.NewInt(7)), big.NewInt(99))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"", "0", N.Text(16), new(big.Int).Lsh(N, 3).Text(16), "zz", "-1", strings.Repeat("1", 4097)} {
		if err := ValidateA(a); err == nil {
			t.Errorf("ValidateA(%.20q) = nil; want an error", a)
		}
		ok, err := srv.Verify(a, "AbC123", "user", []byte("block"), "ts", "sig")
		if err == nil || ok {
			t.Errorf("Verify(A=%.20q) = %v, %v; want false and an error", a, ok, err)
		}
	}
	if err := ValidateA("2"); err != nil {
		t.Errorf("ValidateA(2) = %v", err)
	}
}
