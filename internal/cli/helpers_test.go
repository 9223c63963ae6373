package cli

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/loginwithcognito/cognitologin/sessionstore"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newMemStoreForTest() sessionstore.Store { return sessionstore.NewMemStore() }

// FuzzProcessCredentialsRoundTrip: what `credentials` prints, the
// credential_process reader (the JSON a client decodes) reads back exactly.
func FuzzProcessCredentialsRoundTrip(f *testing.F) {
	f.Add("ASIAEXAMPLE", "secret/with+chars", "token\"with\\quotes\n", int64(1795299635))
	f.Add("", "", "", int64(0))
	f.Fuzz(func(t *testing.T, akid, secret, token string, exp int64) {
		if exp < 0 || exp > 32503680000 {
			return
		}
		c := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: time.Unix(exp, 0)}
		var buf bytes.Buffer
		if err := writeCredentials(&buf, "process", c, "eu-west-1", ""); err != nil {
			t.Fatal(err)
		}
		var p ProcessCredentials
		if err := json.Unmarshal(buf.Bytes(), &p); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
		}
		got, err := time.Parse(time.RFC3339, p.Expiration)
		if err != nil || !utf8.ValidString(akid) || !utf8.ValidString(secret) || !utf8.ValidString(token) {
			if err != nil {
				t.Fatalf("Expiration %q: %v", p.Expiration, err)
			}
			return // JSON replaces invalid UTF-8; credentials are ASCII
		}
		if p.Version != 1 || p.AccessKeyID != akid || p.SecretAccessKey != secret || p.SessionToken != token || !got.Equal(c.Expires) {
			t.Fatalf("round trip: %+v from %+v", p, c)
		}
	})
}
