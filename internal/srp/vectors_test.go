package srp

// Test vectors computed by amazon-cognito-identity-js's own AuthenticationHelper
// (see testdata/README.md). To regenerate testdata/vectors.json:
//
//go:generate sh -c "cd testdata/gen-vectors && npm ci && node gen.js > ../vectors.json"

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"
)

type vectorFile struct {
	Library  string `json:"library"`
	SRPCases []struct {
		Name   string `json:"name"`
		Inputs struct {
			PoolName     string `json:"poolName"`
			UserIDForSRP string `json:"userIdForSrp"`
			Password     string `json:"password"`
			A            string `json:"a"`
			Salt         string `json:"salt"`
			B            string `json:"B"`
			SmallB       string `json:"b"`
			Verifier     string `json:"verifier"`
			SecretBlock  string `json:"secretBlock"`
			Date         string `json:"date"`
		} `json:"inputs"`
		Outputs struct {
			A         string `json:"A"`
			U         string `json:"u"`
			X         string `json:"x"`
			S         string `json:"S"`
			HKDF      string `json:"hkdf"`
			Timestamp string `json:"timestamp"`
			Signature string `json:"signature"`
		} `json:"outputs"`
		Facts struct {
			SaltPadHex string `json:"saltPadHex"`
			UPadHex    string `json:"uPadHex"`
			APadHex    string `json:"APadHex"`
			BPadHex    string `json:"BPadHex"`
		} `json:"facts"`
	} `json:"srpCases"`
	DeviceCases []struct {
		Name                string `json:"name"`
		DeviceGroupKey      string `json:"deviceGroupKey"`
		DeviceKey           string `json:"deviceKey"`
		Random              string `json:"random"`
		RandomPassword      string `json:"randomPassword"`
		Salt                string `json:"salt"`
		Verifier            string `json:"verifier"`
		SaltB64             string `json:"saltB64"`
		PasswordVerifierB64 string `json:"passwordVerifierB64"`
	} `json:"deviceCases"`
	SecretHashCases []struct {
		Name         string `json:"name"`
		Username     string `json:"username"`
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		SecretHash   string `json:"secretHash"`
	} `json:"secretHashCases"`
}

func loadVectors(tb testing.TB) *vectorFile {
	tb.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	if len(v.SRPCases) == 0 || len(v.DeviceCases) == 0 || len(v.SecretHashCases) == 0 {
		tb.Fatal("testdata/vectors.json has an empty section")
	}
	return &v
}

func hexInt(tb testing.TB, what, s string) *big.Int {
	tb.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		tb.Fatalf("vector %s %q is not hex", what, s)
	}
	return n
}

func TestVectorsSRP(t *testing.T) {
	v := loadVectors(t)
	t.Logf("vectors from %s", v.Library)
	for _, tc := range v.SRPCases {
		t.Run(tc.Name, func(t *testing.T) {
			in, out := tc.Inputs, tc.Outputs
			c, err := NewClientWithA(in.PoolName, hexInt(t, "a", in.A))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.A(); got != out.A {
				t.Errorf("A = %s; want %s", got, out.A)
			}
			if got := PadHex(c.bigA); got != tc.Facts.APadHex {
				t.Errorf("PadHex(A) = %s; want %s", got, tc.Facts.APadHex)
			}

			date, err := time.Parse(time.RFC3339, in.Date)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatTimestamp(date); got != out.Timestamp {
				t.Errorf("FormatTimestamp(%s) = %q; want %q", in.Date, got, out.Timestamp)
			}

			ch, err := ParseChallenge(in.Salt, in.B, in.SecretBlock)
			if err != nil {
				t.Fatalf("ParseChallenge: %v", err)
			}
			if got := PadHex(ch.Salt); got != tc.Facts.SaltPadHex {
				t.Errorf("PadHex(salt) = %s; want %s", got, tc.Facts.SaltPadHex)
			}
			if got := PadHex(ch.B); got != tc.Facts.BPadHex {
				t.Errorf("PadHex(B) = %s; want %s", got, tc.Facts.BPadHex)
			}
			u := computeU(c.bigA, ch.B)
			if got := u.Text(16); got != out.U {
				t.Errorf("u = %s; want %s", got, out.U)
			}
			if got := PadHex(u); got != tc.Facts.UPadHex {
				t.Errorf("PadHex(u) = %s; want %s", got, tc.Facts.UPadHex)
			}
			x := computeX(ch.Salt, in.PoolName, in.UserIDForSRP, in.Password)
			if got := x.Text(16); got != out.X {
				t.Errorf("x = %s; want %s", got, out.X)
			}
			// S, recomputed here only to localise a mismatch in the key.
			base := new(big.Int).Exp(G, x, N)
			base.Mul(base, K).Sub(ch.B, base).Mod(base, N)
			exp := new(big.Int).Mul(u, x)
			exp.Add(exp, c.a)
			if got := new(big.Int).Exp(base, exp, N).Text(16); got != out.S {
				t.Errorf("S = %s; want %s", got, out.S)
			}

			key, err := c.sessionKey(ch, in.UserIDForSRP, in.Password)
			if err != nil {
				t.Fatalf("sessionKey: %v", err)
			}
			if got := hex.EncodeToString(key); got != out.HKDF {
				t.Errorf("hkdf = %s; want %s", got, out.HKDF)
			}

			resp, err := c.Respond(ch, in.UserIDForSRP, in.Password, date)
			if err != nil {
				t.Fatalf("Respond: %v", err)
			}
			if resp.Timestamp != out.Timestamp {
				t.Errorf("Respond Timestamp = %q; want %q", resp.Timestamp, out.Timestamp)
			}
			if resp.Signature != out.Signature {
				t.Errorf("Respond Signature = %s; want %s", resp.Signature, out.Signature)
			}

			if in.SmallB == "" {
				return // B did not come from a server with a known b.
			}
			ver := Verifier(in.PoolName, in.UserIDForSRP, in.Password, ch.Salt)
			if got := ver.Text(16); got != in.Verifier {
				t.Errorf("Verifier = %s; want %s", got, in.Verifier)
			}
			srv, err := NewServerWithB(ver, hexInt(t, "b", in.SmallB))
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.B(); !strings.EqualFold(got, in.B) {
				t.Errorf("server B = %s; want %s", got, in.B)
			}
			ok, err := srv.Verify(out.A, in.PoolName, in.UserIDForSRP, ch.SecretBlock, out.Timestamp, out.Signature)
			if err != nil || !ok {
				t.Errorf("Server.Verify(library signature) = %v, %v; want true, nil", ok, err)
			}
			// A different timestamp must not verify.
			ok, err = srv.Verify(out.A, in.PoolName, in.UserIDForSRP, ch.SecretBlock, out.Timestamp+" ", out.Signature)
			if err != nil || ok {
				t.Errorf("Server.Verify(altered timestamp) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestVectorsDevice(t *testing.T) {
	for _, tc := range loadVectors(t).DeviceCases {
		t.Run(tc.Name, func(t *testing.T) {
			random, err := hex.DecodeString(tc.Random)
			if err != nil {
				t.Fatal(err)
			}
			r := bytes.NewReader(random)
			ds, err := NewDeviceSecrets(tc.DeviceGroupKey, tc.DeviceKey, r)
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != 0 {
				t.Errorf("NewDeviceSecrets left %d of the library's %d random bytes unread", r.Len(), len(random))
			}
			if ds.Password != tc.RandomPassword {
				t.Errorf("Password = %q; want %q", ds.Password, tc.RandomPassword)
			}
			if ds.SaltB64 != tc.SaltB64 {
				t.Errorf("SaltB64 = %s; want %s", ds.SaltB64, tc.SaltB64)
			}
			if ds.VerifierB64 != tc.PasswordVerifierB64 {
				t.Errorf("VerifierB64 = %s; want %s", ds.VerifierB64, tc.PasswordVerifierB64)
			}
			salt := hexInt(t, "salt", tc.Salt)
			if got := PadHex(salt); got != tc.Salt {
				t.Errorf("PadHex(salt) = %s; want %s", got, tc.Salt)
			}
			if got := PadHex(Verifier(tc.DeviceGroupKey, tc.DeviceKey, tc.RandomPassword, salt)); got != tc.Verifier {
				t.Errorf("PadHex(Verifier) = %s; want %s", got, tc.Verifier)
			}
		})
	}
}

func TestVectorsSecretHash(t *testing.T) {
	for _, tc := range loadVectors(t).SecretHashCases {
		t.Run(tc.Name, func(t *testing.T) {
			if got := SecretHash(tc.Username, tc.ClientID, tc.ClientSecret); got != tc.SecretHash {
				t.Errorf("SecretHash = %s; want %s", got, tc.SecretHash)
			}
		})
	}
}
