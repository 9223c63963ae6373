package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/internal/sessiondata"
)

// helper runs cognito-login-credentials --config <sandbox config> ARGS.
func (sb *sandbox) helper(args ...string) result {
	sb.t.Helper()
	return sb.run("", credBin, append([]string{"--config", sb.Config}, args...)...)
}

// sessionSecrets returns the secrets in a stored session file: tokens,
// secret key and session token.
func sessionSecrets(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sessiondata.DecodeSession(data)
	if err != nil || s.Credentials == nil {
		t.Fatalf("session %s: %v", path, err)
	}
	out := []string{s.IDToken, s.AccessToken, s.RefreshToken, s.Credentials.SecretAccessKey, s.Credentials.SessionToken}
	for _, v := range out {
		if len(v) < 8 {
			t.Fatalf("session %s lacks a secret (%q)", path, v)
		}
	}
	return out
}

// assertNoSecretsOnStderr fails if any of secrets shows on r's stderr.
func assertNoSecretsOnStderr(t *testing.T, r result, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.Stderr, s) {
			t.Errorf("a session secret appears on stderr of %s", r.Args)
		}
	}
}

func accessKey(t *testing.T, r result) string {
	t.Helper()
	var p struct{ AccessKeyId string }
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil || p.AccessKeyId == "" {
		t.Fatalf("no credential_process JSON (%v): %s", err, r)
	}
	return p.AccessKeyId
}

// TestCredentialsHelperServesCache: on a cached session the helper prints
// byte for byte what `cognito-login credentials` prints, in every format,
// with no request and nothing on stderr.
func TestCredentialsHelperServesCache(t *testing.T) {
	t.Parallel()
	emu, sb, _ := loggedInDemo(t)
	for _, args := range [][]string{nil, {"--format", "env"}, {"-f", "fish"}, {"--format=powershell"}, {"--format", "json"}, {"--env", "demo"}} {
		sb.Set(skipEarlyEnv, "1") // the full command's own answer
		full := sb.mustCLI("", append([]string{"credentials"}, args...)...)
		sb.Unset(skipEarlyEnv)
		emu.ResetCounts()
		got := sb.helper(args...)
		if got.Code != 0 || got.Stdout != full.Stdout || got.Stderr != "" {
			t.Errorf("helper %q: %s\nwant the output of: %s", args, got, full)
		}
		assertNoCognitoRequests(t, emu, fmt.Sprintf("cognito-login-credentials %q", args))
	}
}

// TestCredentialsHelperDelegates: whatever the cache cannot answer goes to
// cognito-login credentials, which refreshes, repairs or explains exactly
// as when it is run directly.
func TestCredentialsHelperDelegates(t *testing.T) {
	t.Parallel()
	emu, sb, _ := loggedInDemo(t)
	path := filepath.Join(sb.CacheDir, "demo.json")
	before := accessKey(t, sb.mustCLI("", "credentials"))
	secrets := sessionSecrets(t, path)
	defer func() { // whatever happened, no secret reached stderr
		for _, args := range [][]string{nil, {"--debug"}, {"--env", "nope"}, {"--format", "yaml"}} {
			assertNoSecretsOnStderr(t, sb.helper(args...), secrets)
		}
	}()

	// Due: one refresh, through cognito-login; then served from the cache.
	makeDue(t, path)
	emu.ResetCounts()
	r := sb.helper("--debug")
	if r.Code != 0 {
		t.Fatalf("helper on a due session: %s", r)
	}
	after := accessKey(t, r)
	secrets = append(secrets, sessionSecrets(t, path)...) // the refreshed ones too
	assertNoSecretsOnStderr(t, r, secrets)
	if !strings.Contains(r.Stderr, "level=DEBUG") {
		t.Errorf("helper --debug on a due session: no debug lines from cognito-login: %s", r)
	}
	if after == before {
		t.Errorf("helper on a due session printed the old key %s", before)
	}
	if n := emu.Count("GetCredentialsForIdentity"); n != 1 {
		t.Errorf("refresh through the helper made %d GetCredentialsForIdentity calls; want 1 (%s)", n, cognitotest.FormatCounts(emu.Counts()))
	}
	emu.ResetCounts()
	if again := sb.helper(); again.Code != 0 || accessKey(t, again) != after {
		t.Errorf("helper after the refresh: %s; want key %s from the cache", again, after)
	}
	assertNoCognitoRequests(t, emu, "the helper after the refresh")

	// Loose permissions: cognito-login tightens them and says so.
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		r := sb.helper()
		if r.Code != 0 || accessKey(t, r) != after || !strings.Contains(r.Stderr, "restricted it to 0600") {
			t.Errorf("helper on a 0644 session file: %s", r)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("session file mode after the helper: %v, %v; want 0600", fi.Mode(), err)
		}
	}

	// Mistakes and flags the helper does not take: the same code and
	// message as cognito-login credentials.
	// (The demo identity pool refuses guests: --guest fails the same way.)
	for _, args := range [][]string{{"--env", "nope"}, {"--format", "yaml"}, {"--no-such-flag"}, {"extra-arg"}, {"--guest"}} {
		full := sb.cli("", append([]string{"credentials"}, args...)...)
		got := sb.helper(args...)
		if full.Code == 0 || got.Code != full.Code || got.Stderr != full.Stderr || got.Stdout != "" {
			t.Errorf("helper %q: %s\nwant as cognito-login credentials: %s", args, got, full)
		}
	}

	// Signed out: exit 3 and the login to run.
	sb.mustCLI("", "logout")
	full := sb.cli("", "credentials")
	got := sb.helper()
	if got.Code != 3 || got.Stderr != full.Stderr || !strings.Contains(got.Stderr, "login") {
		t.Errorf("helper with no session: %s\nwant as cognito-login credentials: %s", got, full)
	}
}

// TestCredentialsHelperAlone: installed without cognito-login, the helper
// still serves a cached session, and says what to install when it cannot.
func TestCredentialsHelperAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("copies and symlinks executables the Unix way")
	}
	t.Parallel()
	_, sb, _ := loggedInDemo(t)
	dir := t.TempDir()
	alone := filepath.Join(dir, "cognito-login-credentials")
	data, err := os.ReadFile(credBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	sb.Set("PATH", dir)
	if r := sb.run("", alone, "--config", sb.Config); r.Code != 0 || accessKey(t, r) == "" {
		t.Errorf("lone helper on a cached session: %s", r)
	}
	makeDue(t, filepath.Join(sb.CacheDir, "demo.json"))
	r := sb.run("", alone, "--config", sb.Config)
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "cognito-login, which handles that, is not in "+dir) ||
		!strings.Contains(r.Stderr, "go install github.com/loginwithcognito/cognitologin/cmd/cognito-login@latest") {
		t.Errorf("lone helper on a due session: %s", r)
	}

	// A "cognito-login" that is the helper itself must not make a loop.
	if err := os.Symlink(alone, filepath.Join(dir, "cognito-login")); err != nil {
		t.Fatal(err)
	}
	r = sb.run("", alone, "--config", sb.Config)
	if r.Code != 1 || !strings.Contains(r.Stderr, "is this program, not cognito-login") {
		t.Errorf("helper whose cognito-login is itself: %s", r)
	}
}

// TestCredentialsHelperHelp: --help is the helper's own, and needs no
// cognito-login.
func TestCredentialsHelperHelp(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, "http://127.0.0.1:1")
	sb.Set("PATH", t.TempDir())
	r := sb.run("", credBin, "--help")
	if r.Code != 0 || !strings.Contains(r.Stdout, "credential_process = cognito-login-credentials --env dev") || r.Stderr != "" {
		t.Errorf("--help: %s", r)
	}
}
