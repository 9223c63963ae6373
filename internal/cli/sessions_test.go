package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
)

// runWith runs a command with a given store and clock (another machine, or
// a machine whose clock is off).
func (h *harness) runWith(store sessionstore.Store, now func() time.Time, stdin string, args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: store, Now: now}
	code := a.Run(context.Background(), append([]string{"--config", h.config}, args...))
	return result{code, out.String(), errOut.String()}
}

func TestLogoutGlobalSignsOutEverywhere(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	other, err := sessionstore.NewFileStore(filepath.Join(t.TempDir(), "laptop"))
	if err != nil {
		t.Fatal(err)
	}
	h.login()
	if r := h.runWith(other, h.clock.Now, h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin"); r.code != 0 {
		t.Fatalf("second machine login: %s", r.stderr)
	}
	h.emu.ResetCounts()
	r := h.mustRun("", "logout", "--global")
	if h.emu.Count("GlobalSignOut") != 1 || !strings.Contains(r.stderr, "Signed out") {
		t.Errorf("logout --global: counts %s\n%s", cognitotest.FormatCounts(h.emu.Counts()), r.stderr)
	}
	wantExit(t, h.run("", "credentials"), 3)
	// The other machine's session dies at its next refresh.
	h.clock.Advance(57 * time.Minute)
	wantExit(t, h.runWith(other, h.clock.Now, "", "credentials"), 3, "revoked", "login")
}

func TestLogoutAll(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	cfg := h.demo.ConfigTOML("one")
	cfg += strings.Replace(cfg[strings.Index(cfg, "[env.one]"):], "[env.one]", "[env.two]", 1)
	h.writeConfig(cfg)
	for _, env := range []string{"one", "two"} {
		h.mustRun(h.demo.Password+"\n", "--env", env, "login", "-u", "alice", "--password-stdin")
	}
	h.emu.ResetCounts()
	r := h.mustRun("", "logout", "--all")
	if h.emu.Count("RevokeToken") != 2 || strings.Count(r.stderr, "Signed out of env") != 2 {
		t.Errorf("logout --all: %s\n%s", cognitotest.FormatCounts(h.emu.Counts()), r.stderr)
	}
	for _, env := range []string{"one", "two"} {
		wantExit(t, h.run("", "--env", env, "credentials"), 3)
	}
	wantExit(t, h.run("", "--env", "one", "logout", "--all"), 2, "--all")
	// Nothing to sign out of is not an error.
	h.mustRun("", "logout")
}

// TestClockSkew: with the client's clock ten minutes behind the services',
// credentials are renewed by the services' clock, not ours.
func TestClockSkew(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	behind := func() time.Time { return h.clock.Now().Add(-10 * time.Minute) }
	if r := h.runWith(h.store, behind, h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	data, _ := h.store.Load("test")
	s, err := cognitologin.DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.ClockSkew - 10*time.Minute; d < -3*time.Second || d > 3*time.Second {
		t.Errorf("recorded skew %s; want 10m", s.ClockSkew)
	}
	h.clock.Advance(50 * time.Minute) // services: 10 minutes left
	h.emu.ResetCounts()
	decodeProcess(t, h.runWith(h.store, behind, "", "credentials").stdout)
	wantCounts(t, h.emu, map[string]int{})
	h.clock.Advance(6 * time.Minute) // services: 4 minutes left; our clock says 14
	r := h.runWith(h.store, behind, "", "credentials")
	decodeProcess(t, r.stdout)
	if h.emu.Count("GetCredentialsForIdentity") != 1 {
		t.Errorf("credentials 4 minutes before the services' expiry were not renewed: %s", cognitotest.FormatCounts(h.emu.Counts()))
	}
	if strings.Contains(r.stderr, "level=") {
		t.Errorf("unexpected log output without --debug: %s", r.stderr)
	}
}

func TestExpiryWindowFromConfig(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.writeConfig(h.demo.ConfigTOML("test") + "expiry_window = \"20m\"\n")
	h.login()
	h.clock.Advance(41 * time.Minute) // 19 minutes left: inside a 20m window
	h.emu.ResetCounts()
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	if n := h.emu.Count("GetCredentialsForIdentity"); n != 1 {
		t.Errorf("with expiry_window = 20m, 19 minutes before expiry: %d renewals; want 1", n)
	}
	h.writeConfig(h.demo.ConfigTOML("test") + "expiry_window = \"2h\"\n")
	wantExit(t, h.run("", "credentials"), 2, "expiry_window", fmt.Sprint("10s..1h"))
}

// TestRotationLostSaveRecoversWithinGrace: with refresh-token rotation, a
// refresh stores the new refresh token; a process that refreshed but died
// before saving leaves the old one, which still works within the pool's
// grace period and not after.
func TestRotationLostSaveRecoversWithinGrace(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{RefreshTokenRotation: true, RotationGracePeriod: 30 * time.Second})
	h.login()
	refreshToken := func() string {
		data, err := h.store.Load("test")
		if err != nil {
			t.Fatal(err)
		}
		s, err := cognitologin.DecodeSession(data)
		if err != nil {
			t.Fatal(err)
		}
		return s.RefreshToken
	}
	original, _ := h.store.Load("test")
	rt0 := refreshToken()
	h.clock.Advance(57 * time.Minute)
	h.emu.ResetCounts()
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	wantCounts(t, h.emu, map[string]int{"GetTokensFromRefreshToken": 1, "GetCredentialsForIdentity": 1})
	if rt1 := refreshToken(); rt1 == rt0 || rt1 == "" {
		t.Fatalf("the rotated refresh token was not stored")
	}
	// The save was lost: the old session is back. Within the grace period
	// its refresh token still works.
	h.store.Save("test", original)
	h.clock.Advance(10 * time.Second)
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	// Past the grace period the rotated-out token is refused: login again.
	h.store.Save("test", original)
	h.clock.Advance(31 * time.Second)
	wantExit(t, h.run("", "credentials"), 3, "login")
}
