// Package srp implements SRP-6a exactly as Amazon Cognito uses it for
// USER_SRP_AUTH and DEVICE_SRP_AUTH, both the client side (what a sign-in
// computes) and the server side (what the cognitotest emulator checks).
//
// Notation, as in amazon-cognito-identity-js's AuthenticationHelper:
//
//	N, g = 2        the 3072-bit group of RFC 5054 / RFC 3526
//	k  = H(pad(N) | pad(g))
//	A  = g^a mod N                  client public value (SRP_A)
//	B  = k·v + g^b mod N            server public value (SRP_B)
//	u  = H(pad(A) | pad(B))         must not be 0
//	x  = H(pad(salt) | H(pool | user | ":" | password))
//	v  = g^x mod N                  verifier kept by the server
//	S  = (B − k·g^x)^(a + u·x) mod N  = (A·v^u)^b mod N
//	K  = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key")[:16]
//	M  = HMAC-SHA256(K, pool | user | secretBlock | timestamp)  (PASSWORD_CLAIM_SIGNATURE)
//
// pad() is the hex encoding of a non-negative integer with a leading "00" when
// its first byte has the high bit set (so it reads as positive in two's
// complement), and H hashes the bytes that hex string encodes. "pool" is the
// part of the user pool id after the underscore; for device SRP it is the
// device group key and "user" is the device key.
//
// Every value received from the other side is validated: B ≡ 0 (mod N),
// A ≡ 0 (mod N) and u = 0 are refused, and malformed hex or base64 is an
// error, never a panic.
package srp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"strings"
	"sync"
	"time"
)

const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	// N is the group's prime modulus.
	N = mustHex(nHex)
	// G is the generator.
	G = big.NewInt(2)
	// K is the multiplier k = H(pad(N) | pad(g)).
	K = hexHashInt(PadHex(N) + PadHex(G))
)

const (
	infoBits = "Caldera Derived Key"
	// TimestampLayout is the format of the TIMESTAMP challenge response:
	// English, 24-hour clock, UTC, day of month not zero-padded.
	TimestampLayout = "Mon Jan 2 15:04:05 UTC 2006"
	// privateBytes is the number of random bytes in the private values a
	// (client) and b (emulator). RFC 5054 §2.5.4 asks for at least 256 bits;
	// NIST SP 800-56A asks for twice the 128-bit strength of a 3072-bit group,
	// also 256 bits. amazon-cognito-identity-js draws 1024 bits, which the
	// server cannot tell apart, at twice the cost: S's exponent a + u·x
	// shrinks from 1024 to 512 bits.
	privateBytes = 32
)

// ErrInvalidServerValue reports an SRP value from the server that would make
// the exchange insecure or is not well formed.
var ErrInvalidServerValue = errors.New("srp: invalid value from server")

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad constant")
	}
	return n
}

// PadHex encodes n as Cognito's padHex does: even length, with "00" in front
// when the first byte's high bit is set. n must be non-negative.
func PadHex(n *big.Int) string {
	h := n.Text(16)
	if len(h)%2 == 1 {
		h = "0" + h
	} else if strings.ContainsRune("89abcdef", rune(h[0])) {
		h = "00" + h
	}
	return h
}

// hexHash returns the lowercase hex SHA-256 of the bytes a hex string encodes.
func hexHash(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		// Only called on strings this package built with PadHex.
		panic("srp: internal hex: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hexHashInt(h string) *big.Int {
	return mustHex(hexHash(h))
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// computeX returns x = H(pad(salt) | H(pool | user | ":" | password)).
func computeX(salt *big.Int, poolName, userID, password string) *big.Int {
	return hexHashInt(PadHex(salt) + hashString(poolName+userID+":"+password))
}

func computeU(a, b *big.Int) *big.Int {
	return hexHashInt(PadHex(a) + PadHex(b))
}

// Fixed-base exponentiation for g^e mod N. Every g^e this package computes
// has a small exponent (a and b: 256 bits, or 1024 in the vectors; x: 256
// bits), and the base never changes, so powers of g are precomputed once, in
// Montgomery form: gTable()[i] = g^(16^i)·R mod N.
// expG then needs one modular multiplication per non-zero 4-bit digit of e
// plus 15 (Brickell–Gordon–McCurley–Wilson), instead of a squaring per bit.
// (Splitting the digits between two goroutines does not pay: waking the
// second CPU of a virtual machine takes as long as the whole of expG.) Like
// math/big, it is not constant time.
const (
	gWindow = 4
	// gTableBits covers the exponents this package uses with headroom;
	// larger (or negative) exponents fall back to big.Int.Exp.
	// Our a and b are 256 bits, and so is x (a SHA-256). Larger exponents
	// (the 1024-bit a of amazon-cognito-identity-js in the test vectors)
	// fall back to big.Int.Exp; a table for them would cost a process's
	// first sign-in ~3 ms to build.
	gTableBits = 8*privateBytes + 8
)

// gTable is built on first use (about 260 modular squarings, ~25 KB);
// Warm builds it ahead of time.
var gTable = sync.OnceValue(func() [][]big.Word {
	w := newMontWork()
	t := make([][]big.Word, (gTableBits+gWindow-1)/gWindow)
	t[0] = w.toMont(G)
	for i := 1; i < len(t); i++ {
		p := append([]big.Word(nil), t[i-1]...)
		for range gWindow {
			w.sqr(p, p)
		}
		t[i] = p
	}
	return t
})

// Warm builds the fixed-base table now, so that the first sign-in of a
// process does not pay for it. Safe to call concurrently.
func Warm() { gTable() }

// expG returns g^e mod N.
func expG(e *big.Int) *big.Int {
	if e.Sign() < 0 || e.BitLen() > gTableBits {
		return new(big.Int).Exp(G, e, N)
	}
	t := gTable()
	words := e.Bits()
	nd := (e.BitLen() + gWindow - 1) / gWindow
	if nd == 0 {
		return big.NewInt(1)
	}
	digits := make([]uint8, nd)
	for i := range digits { // gWindow divides the word size: no digit spans two words
		bit := i * gWindow
		digits[i] = uint8(words[bit/bits.UintSize]>>(bit%bits.UintSize)) & (1<<gWindow - 1)
	}
	w := newMontWork()
	r := w.expGDigits(t, digits)
	if r == nil {
		return big.NewInt(1)
	}
	return w.fromMont(r)
}

// expGDigits returns Π t[i]^digits[i] in Montgomery form (nil for 1), as
// Π_j (Π_{digits[i] ≥ j} t[i]): walking j down, acc collects the t[i] whose
// digit is at least j, and res multiplies acc in once per j.
func (w *montWork) expGDigits(t [][]big.Word, digits []uint8) []big.Word {
	var acc, res []big.Word
	for j := uint8(1<<gWindow - 1); j >= 1; j-- {
		for i, d := range digits {
			if d == j {
				acc = w.mulInto(acc, t[i])
			}
		}
		if acc != nil {
			res = w.mulInto(res, acc)
		}
	}
	return res
}

// hkdf derives the 16-byte key from S and u.
func hkdf(s, u *big.Int) []byte {
	ikm, _ := hex.DecodeString(PadHex(s))
	salt, _ := hex.DecodeString(PadHex(u))
	prk := hmacSHA256(salt, ikm)
	return hmacSHA256(prk, append([]byte(infoBits), 1))[:16]
}

func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// claimSignature is PASSWORD_CLAIM_SIGNATURE, base64 encoded.
func claimSignature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) string {
	return base64.StdEncoding.EncodeToString(
		hmacSHA256(key, []byte(poolName), []byte(userID), secretBlock, []byte(timestamp)))
}

// FormatTimestamp formats t (converted to UTC) as the TIMESTAMP challenge
// response expects.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(TimestampLayout)
}

// SecretHash computes SECRET_HASH for app clients that have a client secret:
// base64(HMAC-SHA256(clientSecret, username | clientID)).
func SecretHash(username, clientID, clientSecret string) string {
	return base64.StdEncoding.EncodeToString(
		hmacSHA256([]byte(clientSecret), []byte(username), []byte(clientID)))
}

// PoolName returns the part of a user pool id after the underscore
// ("eu-west-1_AbC123" → "AbC123"), which SRP uses as the pool name.
func PoolName(userPoolID string) (string, error) {
	_, name, ok := strings.Cut(userPoolID, "_")
	if !ok || name == "" {
		return "", fmt.Errorf("srp: user pool id %q is not of the form <region>_<id>", userPoolID)
	}
	return name, nil
}

// parseHexInt parses a positive hex integer from the server.
func parseHexInt(field, s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: %s is missing", ErrInvalidServerValue, field)
	}
	if len(s) > 4096 {
		return nil, fmt.Errorf("%w: %s is %d characters long", ErrInvalidServerValue, field, len(s))
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return nil, fmt.Errorf("%w: %s is not hexadecimal", ErrInvalidServerValue, field)
		}
	}
	n, _ := new(big.Int).SetString(s, 16)
	return n, nil
}

// maxSecretBlock bounds SECRET_BLOCK (Cognito's are about 1.5 KB).
const maxSecretBlock = 64 << 10

// Challenge holds the validated values of a PASSWORD_VERIFIER or
// DEVICE_PASSWORD_VERIFIER challenge.
type Challenge struct {
	Salt        *big.Int
	B           *big.Int
	SecretBlock []byte // decoded SECRET_BLOCK
}

// ParseChallenge validates the SALT, SRP_B and SECRET_BLOCK challenge
// parameters. It rejects missing or malformed values and B ≡ 0 (mod N).
func ParseChallenge(saltHex, bHex, secretBlockB64 string) (Challenge, error) {
	salt, err := parseHexInt("SALT", saltHex)
	if err != nil {
		return Challenge{}, err
	}
	b, err := parseHexInt("SRP_B", bHex)
	if err != nil {
		return Challenge{}, err
	}
	if new(big.Int).Mod(b, N).Sign() == 0 {
		return Challenge{}, fmt.Errorf("%w: SRP_B is 0 mod N", ErrInvalidServerValue)
	}
	if secretBlockB64 == "" {
		return Challenge{}, fmt.Errorf("%w: SECRET_BLOCK is missing", ErrInvalidServerValue)
	}
	if len(secretBlockB64) > maxSecretBlock {
		return Challenge{}, fmt.Errorf("%w: SECRET_BLOCK is %d characters long", ErrInvalidServerValue, len(secretBlockB64))
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return Challenge{}, fmt.Errorf("%w: SECRET_BLOCK is not valid base64", ErrInvalidServerValue)
	}
	return Challenge{Salt: salt, B: b, SecretBlock: block}, nil
}

// Client is one sign-in's client side: the private value a and A = g^a.
// A Client is used for one exchange; it is safe to create it before the
// password is known (A does not depend on it).
type Client struct {
	poolName string
	a, bigA  *big.Int
}

// NewClient draws a fresh random a from r (crypto/rand.Reader when nil).
// poolName is the user pool's name (see PoolName) or, for device SRP, the
// device group key.
func NewClient(poolName string, r io.Reader) (*Client, error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, privateBytes)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("srp: random a: %w", err)
		}
		a := new(big.Int).SetBytes(buf)
		a.Mod(a, N)
		if c, err := NewClientWithA(poolName, a); err == nil {
			return c, nil
		}
	}
}

// NewClientWithA builds a client from a fixed private value a, for test
// vectors. It fails when A ≡ 0 (mod N).
func NewClientWithA(poolName string, a *big.Int) (*Client, error) {
	bigA := expG(a)
	if bigA.Sign() == 0 {
		return nil, errors.New("srp: A is 0 mod N")
	}
	return &Client{poolName: poolName, a: new(big.Int).Set(a), bigA: bigA}, nil
}

// A returns SRP_A as hex, as amazon-cognito-identity-js sends it.
func (c *Client) A() string { return c.bigA.Text(16) }

// PoolName returns the pool name (or device group key) the client was made for.
func (c *Client) PoolName() string { return c.poolName }

// Response is the answer to a password verifier challenge.
type Response struct {
	Signature string // PASSWORD_CLAIM_SIGNATURE, base64
	Timestamp string // TIMESTAMP
}

// Respond computes the claim signature for userID (USER_ID_FOR_SRP, or the
// device key) and password at time now. The challenge's SECRET_BLOCK is
// signed in decoded form; the caller echoes it back as received.
func (c *Client) Respond(ch Challenge, userID, password string, now time.Time) (Response, error) {
	key, err := c.sessionKey(ch, userID, password)
	if err != nil {
		return Response{}, err
	}
	ts := FormatTimestamp(now)
	return Response{
		Signature: claimSignature(key, c.poolName, userID, ch.SecretBlock, ts),
		Timestamp: ts,
	}, nil
}

func (c *Client) sessionKey(ch Challenge, userID, password string) ([]byte, error) {
	if ch.B == nil || ch.Salt == nil {
		return nil, fmt.Errorf("%w: challenge not parsed", ErrInvalidServerValue)
	}
	if new(big.Int).Mod(ch.B, N).Sign() == 0 {
		return nil, fmt.Errorf("%w: SRP_B is 0 mod N", ErrInvalidServerValue)
	}
	u := computeU(c.bigA, ch.B)
	if u.Sign() == 0 {
		return nil, fmt.Errorf("%w: u is 0", ErrInvalidServerValue)
	}
	x := computeX(ch.Salt, c.poolName, userID, password)
	// base = (B − k·g^x) mod N, non-negative even when B < k·g^x.
	base := expG(x)
	base.Mul(base, K)
	base.Sub(ch.B, base)
	base.Mod(base, N)
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	s := expN(base, exp)
	return hkdf(s, u), nil
}

// Verifier computes the verifier v = g^x mod N that a server keeps for a
// user (or a device) with the given salt.
func Verifier(poolName, userID, password string, salt *big.Int) *big.Int {
	return expG(computeX(salt, poolName, userID, password))
}

// DeviceSecrets is what ConfirmDevice needs for a newly remembered device:
// a random device password (kept by the client as a secret) and the salt and
// verifier the server stores.
type DeviceSecrets struct {
	Password    string
	SaltB64     string // DeviceSecretVerifierConfig.Salt
	VerifierB64 string // DeviceSecretVerifierConfig.PasswordVerifier
}

// NewDeviceSecrets makes a random device password and its verifier, as
// amazon-cognito-identity-js's generateHashDevice does.
func NewDeviceSecrets(deviceGroupKey, deviceKey string, r io.Reader) (DeviceSecrets, error) {
	if r == nil {
		r = rand.Reader
	}
	pw := make([]byte, 40)
	saltBytes := make([]byte, 16)
	if _, err := io.ReadFull(r, pw); err != nil {
		return DeviceSecrets{}, fmt.Errorf("srp: random device password: %w", err)
	}
	if _, err := io.ReadFull(r, saltBytes); err != nil {
		return DeviceSecrets{}, fmt.Errorf("srp: random salt: %w", err)
	}
	password := base64.StdEncoding.EncodeToString(pw)
	salt := new(big.Int).SetBytes(saltBytes)
	v := Verifier(deviceGroupKey, deviceKey, password, salt)
	sb, _ := hex.DecodeString(PadHex(salt))
	vb, _ := hex.DecodeString(PadHex(v))
	return DeviceSecrets{
		Password:    password,
		SaltB64:     base64.StdEncoding.EncodeToString(sb),
		VerifierB64: base64.StdEncoding.EncodeToString(vb),
	}, nil
}

// Server is one exchange's server side, as the emulator runs it.
type Server struct {
	v, b, bigB *big.Int
}

// NewServer draws a random b from r (crypto/rand.Reader when nil) for a user
// whose verifier is v.
func NewServer(v *big.Int, r io.Reader) (*Server, error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, privateBytes)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("srp: random b: %w", err)
		}
		b := new(big.Int).SetBytes(buf)
		if s, err := NewServerWithB(v, b); err == nil {
			return s, nil
		}
	}
}

// NewServerWithB builds the server side from a fixed b, for tests.
func NewServerWithB(v, b *big.Int) (*Server, error) {
	bigB := new(big.Int).Mul(K, v)
	bigB.Add(bigB, expG(b))
	bigB.Mod(bigB, N)
	if bigB.Sign() == 0 {
		return nil, errors.New("srp: B is 0 mod N")
	}
	return &Server{v: v, b: new(big.Int).Set(b), bigB: bigB}, nil
}

// B returns SRP_B as hex.
func (s *Server) B() string { return s.bigB.Text(16) }

// Verify checks a client's claim signature. aHex is SRP_A as the client sent
// it at InitiateAuth; it is validated (A ≡ 0 mod N is refused).
func (s *Server) Verify(aHex, poolName, userID string, secretBlock []byte, timestamp, signatureB64 string) (bool, error) {
	a, err := parseHexInt("SRP_A", aHex)
	if err != nil {
		return false, err
	}
	if new(big.Int).Mod(a, N).Sign() == 0 {
		return false, errors.New("srp: SRP_A is 0 mod N")
	}
	u := computeU(a, s.bigB)
	if u.Sign() == 0 {
		return false, errors.New("srp: u is 0")
	}
	// S = (A·v^u)^b mod N
	base := new(big.Int).Exp(s.v, u, N)
	base.Mul(base, a)
	base.Mod(base, N)
	sv := new(big.Int).Exp(base, s.b, N)
	want := claimSignature(hkdf(sv, u), poolName, userID, secretBlock, timestamp)
	return subtle.ConstantTimeCompare([]byte(want), []byte(signatureB64)) == 1, nil
}

// ValidateA checks SRP_A as a server receives it at InitiateAuth.
func ValidateA(aHex string) error {
	a, err := parseHexInt("SRP_A", aHex)
	if err != nil {
		return err
	}
	if new(big.Int).Mod(a, N).Sign() == 0 {
		return errors.New("srp: SRP_A is 0 mod N")
	}
	return nil
}
