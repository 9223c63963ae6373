package cognitotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// TOTP parameters, as authenticator apps and Cognito use them (RFC 6238
// defaults): HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch.
const (
	totpStep   = 30
	totpDigits = 6
	// totpSecretBytes gives a 32-character base32 secret, like Cognito's.
	totpSecretBytes = 20
)

// TOTP returns the RFC 6238 code (HMAC-SHA-1, 6 digits, 30-second steps) of
// a base32 secret, as AssociateSoftwareToken returns it, at time t. Case,
// spaces and missing padding in the secret are tolerated, as authenticator
// apps tolerate them.
func TOTP(secretBase32 string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secretBase32)
	if err != nil {
		return "", err
	}
	return hotp(key, totpCounter(t)), nil
}

func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, errors.New("cognitotest: empty TOTP secret")
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("cognitotest: TOTP secret is not base32: %w", err)
	}
	return key, nil
}

func totpCounter(t time.Time) int64 {
	return floorDiv(t.Unix(), totpStep)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// hotp is RFC 4226's HOTP with dynamic truncation to 6 digits.
func hotp(key []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, bin%1_000_000)
}

// newTOTPSecret draws a secret and returns it base32-encoded, unpadded.
func (s *Server) newTOTPSecret() string {
	b := make([]byte, totpSecretBytes)
	if _, err := io.ReadFull(s.opts.Rand, b); err != nil {
		panic("cognitotest: randomness source failed: " + err.Error())
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// checkTOTP reports which time step (now, one before or one after) code
// matches, refusing steps up to and including lastStep (a code is good
// once).
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	key, err := decodeTOTPSecret(secret)
	if err != nil || len(code) != totpDigits {
		return 0, false
	}
	cur := totpCounter(now)
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= lastStep {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(key, step)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
