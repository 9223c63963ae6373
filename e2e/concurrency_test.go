package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// makeDue rewrites the stored session so that its credentials and tokens
// expire in a minute: inside the renewal window, so the next credentials
// call must refresh.
func makeDue(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)
	s["tokens_expire"] = soon
	creds := s["credentials"].(map[string]any)
	creds["expiration"] = soon
	creds["obtained"] = time.Now().Add(-59 * time.Minute).UTC().Format(time.RFC3339Nano)
	out, _ := json.Marshal(s)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentProcessesRefreshOnce: eight `credentials` processes started
// together on a due session cause exactly one refresh; every one of them
// succeeds and prints the same new credentials.
func TestConcurrentProcessesRefreshOnce(t *testing.T) {
	t.Parallel()
	emu, sb, _ := loggedInDemo(t)
	path := filepath.Join(sb.CacheDir, "demo.json")
	first := sb.mustCLI("", "credentials")
	var before struct{ AccessKeyId string }
	json.Unmarshal([]byte(first.Stdout), &before)
	makeDue(t, path)
	emu.ResetCounts()

	const n = 8
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = sb.cli("", "credentials")
		}(i)
	}
	wg.Wait()
	keys := map[string]int{}
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("process %d: %s", i, r)
			continue
		}
		var c struct{ AccessKeyId string }
		if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil {
			t.Errorf("process %d printed no credentials: %s", i, r)
		}
		keys[c.AccessKeyId]++
	}
	if len(keys) != 1 || keys[before.AccessKeyId] != 0 {
		t.Errorf("access keys printed: %v (before: %s); want one new key for all", keys, before.AccessKeyId)
	}
	got := emu.Counts()
	if got["GetTokensFromRefreshToken"] != 1 || got["GetCredentialsForIdentity"] != 1 || emu.TotalRequests() != 2 {
		t.Errorf("requests = %s; want exactly one refresh (GetTokensFromRefreshToken=1 GetCredentialsForIdentity=1)", cognitotest.FormatCounts(got))
	}
	// No half-written file: the session still decodes and is fresh.
	if r := sb.mustCLI("", "credentials"); r.Stdout != results[0].Stdout {
		t.Errorf("a later call printed other credentials")
	}
}
