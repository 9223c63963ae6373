package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// nodeConformanceDir holds package.json, package-lock.json and signin.js.
const nodeConformanceDir = "testdata/node-conformance"

// jsSignin is signin.js's one line of output.
type jsSignin struct {
	OK                     bool           `json:"ok"`
	Path                   string         `json:"path"` // challenges answered, "+"-joined, or "password"
	Code                   string         `json:"code"`
	Message                string         `json:"message"`
	TOTPSecret             string         `json:"totpSecret"` // the secret associated during MFA_SETUP
	NewPasswordRequired    bool           `json:"newPasswordRequired"`
	AuthenticationFlowType string         `json:"authenticationFlowType"`
	IDTokenPayload         map[string]any `json:"idTokenPayload"`
	AccessTokenPayload     map[string]any `json:"accessTokenPayload"`
	HasRefreshToken        bool           `json:"hasRefreshToken"`
}

// needNodeConformance returns node's path and signin.js's absolute path, or
// skips (fails under CI=true) when node or the npm dependencies are missing.
func needNodeConformance(t *testing.T) (node, script string) {
	t.Helper()
	node = needTool(t, "node", "runs amazon-cognito-identity-js against the emulator")
	dir, err := filepath.Abs(nodeConformanceDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js", "package.json")); err != nil {
		skipOrFail(t, "amazon-cognito-identity-js is not installed; run: npm ci --prefix e2e/testdata/node-conformance")
	}
	return node, filepath.Join(dir, "signin.js")
}

// signinJS runs signin.js and decodes its result.
func signinJS(t *testing.T, sb *sandbox, node, script, url string, d *cognitotest.Demo, user, password, newPassword string) jsSignin {
	t.Helper()
	return signinJSEnv(t, sb, node, script, url, d, user, password, newPassword, nil)
}

// signinJSEnv is signinJS with extra environment variables for signin.js
// (TOTP_SECRET, TOTP_TIME_OFFSET).
func signinJSEnv(t *testing.T, sb *sandbox, node, script, url string, d *cognitotest.Demo, user, password, newPassword string, env map[string]string) jsSignin {
	t.Helper()
	args := []string{script, url, d.UserPoolID, d.ClientID, user}
	if newPassword != "" {
		args = append(args, newPassword)
	}
	sb.Set("SIGNIN_PASSWORD", password)
	defer sb.Unset("SIGNIN_PASSWORD")
	for k, v := range env {
		sb.Set(k, v)
		defer sb.Unset(k)
	}
	r := sb.run("", node, args...)
	if r.Code != 0 {
		t.Fatalf("signin.js failed: %s", r)
	}
	var out jsSignin
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("signin.js output is not JSON: %v\n%s", err, r)
	}
	return out
}

func TestCognitoIdentityJSConformance(t *testing.T) {
	t.Parallel()
	node, script := needNodeConformance(t)
	emu, url, d := startEmulator(t, cognitotest.DemoOptions{})
	sb := newSandbox(t, url)
	sb.WriteConfig(d.ConfigTOML("demo"))

	t.Run("right-password", func(t *testing.T) {
		emu.ResetCounts()
		got := signinJS(t, sb, node, script, url, d, d.Username, d.Password, "")
		if !got.OK {
			t.Fatalf("SRP sign-in with the right password failed: %s: %s", got.Code, got.Message)
		}
		if got.AuthenticationFlowType != "USER_SRP_AUTH" {
			t.Errorf("flow %q, want the library's default USER_SRP_AUTH", got.AuthenticationFlowType)
		}
		if u := got.IDTokenPayload["cognito:username"]; u != d.Username {
			t.Errorf("ID token cognito:username = %v, want %q (payload %v)", u, d.Username, got.IDTokenPayload)
		}
		if got.IDTokenPayload["token_use"] != "id" || got.AccessTokenPayload["token_use"] != "access" || !got.HasRefreshToken {
			t.Errorf("tokens: id %v, access %v, refresh %v", got.IDTokenPayload, got.AccessTokenPayload, got.HasRefreshToken)
		}
		if emu.Count("InitiateAuth") != 1 || emu.Count("RespondToAuthChallenge") != 1 {
			t.Errorf("want one InitiateAuth and one RespondToAuthChallenge (PASSWORD_VERIFIER); counts: %s",
				cognitotest.FormatCounts(emu.Counts()))
		}
	})

	t.Run("wrong-password", func(t *testing.T) {
		got := signinJS(t, sb, node, script, url, d, d.Username, d.Password+"x", "")
		if got.OK || got.Code != "NotAuthorizedException" {
			t.Errorf("wrong password: got %+v, want NotAuthorizedException", got)
		}
	})

	t.Run("unknown-user", func(t *testing.T) {
		got := signinJS(t, sb, node, script, url, d, "nobody", d.Password, "")
		// Pools hide whether a user exists by default
		// (PreventUserExistenceErrors), so either code is Cognito's.
		if got.OK || (got.Code != "UserNotFoundException" && got.Code != "NotAuthorizedException") {
			t.Errorf("unknown user: got %+v, want UserNotFoundException or NotAuthorizedException", got)
		}
	})

	// JS sets the new password of a temporary-password user; the Go CLI
	// then signs in with it.
	t.Run("js-new-password-then-go", func(t *testing.T) {
		const user, temp, fresh = "carol", "Temp-Pass-42", "Fresh-Pass-42!"
		if _, err := emu.CreateUser(d.UserPoolID, user, temp, map[string]string{"email": "carol@example.com"}, true); err != nil {
			t.Fatal(err)
		}
		got := signinJS(t, sb, node, script, url, d, user, temp, fresh)
		if !got.OK || !got.NewPasswordRequired {
			t.Fatalf("temporary password: want newPasswordRequired then success, got %+v", got)
		}
		if u := got.IDTokenPayload["cognito:username"]; u != user {
			t.Errorf("ID token cognito:username = %v, want %q", u, user)
		}
		if r := sb.cli(temp+"\n", "login", "-u", user, "--password-stdin"); r.Code != 4 {
			t.Errorf("Go CLI with the replaced temporary password: want exit 4 (sign-in refused): %s", r)
		}
		sb.mustCLI(fresh+"\n", "login", "-u", user, "--password-stdin")
		decodeCredentialProcess(t, sb.mustCLI("", "credentials"))
	})

	// The Go CLI sets the new password; JS then signs in with it.
	t.Run("go-new-password-then-js", func(t *testing.T) {
		const user, temp, fresh = "dave", "Temp-Pass-43", "Fresh-Pass-43!"
		if _, err := emu.CreateUser(d.UserPoolID, user, temp, map[string]string{"email": "dave@example.com"}, true); err != nil {
			t.Fatal(err)
		}
		sb.mustCLI(temp+"\n"+fresh+"\n", "login", "-u", user, "--password-stdin", "--new-password-stdin")
		got := signinJS(t, sb, node, script, url, d, user, fresh, "")
		if !got.OK || got.NewPasswordRequired {
			t.Fatalf("JS sign-in with the password the Go CLI set: got %+v", got)
		}
		if u := got.IDTokenPayload["cognito:username"]; u != user {
			t.Errorf("ID token cognito:username = %v, want %q", u, user)
		}
	})
}

// TestCognitoIdentityJSTOTP signs in with amazon-cognito-identity-js to a
// pool that requires a software token (TOTP). signin.js computes its codes
// with its own RFC 6238 implementation, so a sign-in that succeeds means
// the library's flow, an independent TOTP and the emulator's TOTP check
// agree; the Go CLI then signs in with the authenticator JS registered, and
// JS with the one the Go CLI registered.
//
// Codes are single use: the emulator refuses a time step not later than
// the last one it accepted for the user. The emulator runs on a Clock that
// the test moves on by a step before each further code for the same user,
// and both clients compute their codes at that clock's time (signin.js
// through TOTP_TIME_OFFSET). The clients date SRP and SigV4 with the real
// time; the offset (90s in all) stays well within the emulator's allowed
// skew (5 minutes for SRP TIMESTAMP, 15 for SigV4).
func TestCognitoIdentityJSTOTP(t *testing.T) {
	t.Parallel()
	node, script := needNodeConformance(t)
	clock := &cognitotest.Clock{}
	var offset time.Duration // how far clock is ahead of the real time
	advance := func() {
		clock.Advance(30 * time.Second)
		offset += 30 * time.Second
	}
	// sb's helpers fail the parent test; subtests use this instead.
	mustCLI := func(t *testing.T, sb *sandbox, stdin string, args ...string) result {
		t.Helper()
		r := sb.cli(stdin, args...)
		if r.Code != 0 {
			t.Fatalf("expected exit 0: %s", r)
		}
		return r
	}
	emu := cognitotest.NewServer(cognitotest.Options{Now: clock.Now})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	// MFA required, software token the only factor: a user without one
	// gets MFA_SETUP, a user with one SOFTWARE_TOKEN_MFA.
	d, err := emu.SeedDemo(cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true}})
	if err != nil {
		t.Fatal(err)
	}
	sb := newSandbox(t, url)
	sb.WriteConfig(d.ConfigTOML("demo"))

	totpAt := func(secret string, at time.Time) string {
		t.Helper()
		code, err := cognitotest.TOTP(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	jsEnv := func(secret string) map[string]string {
		env := map[string]string{"TOTP_TIME_OFFSET": fmt.Sprint(int64(offset / time.Second))}
		if secret != "" {
			env["TOTP_SECRET"] = secret
		}
		return env
	}
	wantUser := func(t *testing.T, got jsSignin, user string) {
		t.Helper()
		if u := got.IDTokenPayload["cognito:username"]; u != user {
			t.Errorf("ID token cognito:username = %v, want %q (payload %v)", u, user, got.IDTokenPayload)
		}
		if got.IDTokenPayload["token_use"] != "id" || got.AccessTokenPayload["token_use"] != "access" || !got.HasRefreshToken {
			t.Errorf("tokens: id %v, access %v, refresh %v", got.IDTokenPayload, got.AccessTokenPayload, got.HasRefreshToken)
		}
	}
	newUser := func(t *testing.T, name, password string) {
		t.Helper()
		if _, err := emu.CreateUser(d.UserPoolID, name, password, map[string]string{"email": name + "@example.com"}, false); err != nil {
			t.Fatal(err)
		}
	}

	// bob has an authenticator: JS answers SOFTWARE_TOKEN_MFA.
	const bob, bobPassword, bobSecret = "bob", "Bob-Password-1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	newUser(t, bob, bobPassword)
	if err := emu.SetTOTPSecret(d.UserPoolID, bob, bobSecret); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetUserMFA(d.UserPoolID, bob, false, true, false, "SOFTWARE_TOKEN_MFA"); err != nil {
		t.Fatal(err)
	}

	t.Run("totp-required", func(t *testing.T) {
		emu.ResetCounts()
		got := signinJSEnv(t, sb, node, script, url, d, bob, bobPassword, "", jsEnv(bobSecret))
		if !got.OK || got.Path != "totpRequired" {
			t.Fatalf("SRP then SOFTWARE_TOKEN_MFA with the right secret: got %+v, want ok on path totpRequired", got)
		}
		wantUser(t, got, bob)
		if emu.Count("InitiateAuth") != 1 || emu.Count("RespondToAuthChallenge") != 2 {
			t.Errorf("want one InitiateAuth and two RespondToAuthChallenge (PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA); counts: %s",
				cognitotest.FormatCounts(emu.Counts()))
		}
	})

	t.Run("totp-required-wrong-secret", func(t *testing.T) {
		// A secret whose codes differ from bob's around now (steps before
		// and after included), so the refusal cannot be luck.
		wrong := ""
		for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U", "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF"} {
			collides := false
			for dt := -90 * time.Second; dt <= 90*time.Second; dt += 30 * time.Second {
				at := clock.Now().Add(dt)
				collides = collides || totpAt(s, at) == totpAt(bobSecret, at)
			}
			if !collides {
				wrong = s
				break
			}
		}
		if wrong == "" {
			t.Fatal("every candidate wrong secret shares a code with bob's around now")
		}
		got := signinJSEnv(t, sb, node, script, url, d, bob, bobPassword, "", jsEnv(wrong))
		if got.OK || got.Path != "totpRequired" || got.Code != "CodeMismatchException" {
			t.Errorf("SOFTWARE_TOKEN_MFA with a wrong secret: got %+v, want CodeMismatchException on path totpRequired", got)
		}
		if got.IDTokenPayload != nil {
			t.Errorf("tokens issued for a wrong code: %v", got.IDTokenPayload)
		}
	})

	// alice (the demo user) has no factor: JS sets up a software token
	// during sign-in; the Go CLI, then JS again, sign in with it.
	t.Run("js-mfa-setup-then-go-then-js", func(t *testing.T) {
		emu.ResetCounts()
		got := signinJSEnv(t, sb, node, script, url, d, d.Username, d.Password, "", jsEnv(""))
		if !got.OK || got.Path != "mfaSetup" {
			t.Fatalf("SRP then MFA_SETUP: got %+v, want ok on path mfaSetup", got)
		}
		wantUser(t, got, d.Username)
		if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(got.TOTPSecret) {
			t.Fatalf("associated secret %q: want 32 base32 characters, as Cognito's", got.TOTPSecret)
		}
		for op, want := range map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 2, "AssociateSoftwareToken": 1, "VerifySoftwareToken": 1} {
			if n := emu.Count(op); n != want {
				t.Errorf("%s called %d times, want %d; counts: %s", op, n, want, cognitotest.FormatCounts(emu.Counts()))
			}
		}

		// The Go CLI, with the code of the secret JS registered.
		advance()
		mustCLI(t, sb, d.Password+"\n", "login", "-u", d.Username, "--password-stdin", "--mfa-code", totpAt(got.TOTPSecret, clock.Now()))
		decodeCredentialProcess(t, mustCLI(t, sb, "", "credentials"))

		// JS again: the pool now asks alice for her authenticator's code.
		advance()
		again := signinJSEnv(t, sb, node, script, url, d, d.Username, d.Password, "", jsEnv(got.TOTPSecret))
		if !again.OK || again.Path != "totpRequired" {
			t.Fatalf("JS sign-in with the authenticator it registered: got %+v, want ok on path totpRequired", again)
		}
		wantUser(t, again, d.Username)
	})

	// A code ten steps ahead is outside the emulator's window: the setup
	// is refused and frank gets no tokens.
	t.Run("js-mfa-setup-wrong-code", func(t *testing.T) {
		const frank, frankPassword = "frank", "Frank-Password-1"
		newUser(t, frank, frankPassword)
		env := jsEnv("")
		env["TOTP_TIME_OFFSET"] = fmt.Sprint(int64((offset + 300*time.Second) / time.Second))
		got := signinJSEnv(t, sb, node, script, url, d, frank, frankPassword, "", env)
		if got.TOTPSecret == "" {
			t.Fatalf("MFA_SETUP: no secret associated: %+v", got)
		}
		if got.OK {
			// Only if the code ten steps ahead equals one in the window.
			for dt := -60 * time.Second; dt <= 60*time.Second; dt += 30 * time.Second {
				if totpAt(got.TOTPSecret, clock.Now().Add(dt)) == totpAt(got.TOTPSecret, clock.Now().Add(300*time.Second)) {
					t.Skipf("the code ten steps ahead happens to be valid now: %+v", got)
				}
			}
		}
		if got.OK || got.Path != "mfaSetup" || got.Code != "EnableSoftwareTokenMFAException" {
			t.Errorf("MFA_SETUP with a code ten steps ahead: got %+v, want EnableSoftwareTokenMFAException on path mfaSetup", got)
		}
	})

	// The Go CLI sets up erin's software token; JS signs in with it.
	t.Run("go-mfa-setup-then-js", func(t *testing.T) {
		const erin, erinPassword = "erin", "Erin-Password-1"
		newUser(t, erin, erinPassword)
		r := sb.cli(erinPassword+"\n", "login", "-u", erin, "--password-stdin")
		if r.Code != 5 {
			t.Fatalf("Go CLI at MFA_SETUP without --mfa-code: want exit 5: %s", r)
		}
		m := regexp.MustCompile(`Secret: ([A-Z2-7]+)`).FindStringSubmatch(r.Stderr)
		if m == nil {
			t.Fatalf("Go CLI showed no secret: %s", r)
		}
		mustCLI(t, sb, "", "login", "--resume", "--mfa-code", totpAt(m[1], clock.Now()))

		advance()
		got := signinJSEnv(t, sb, node, script, url, d, erin, erinPassword, "", jsEnv(m[1]))
		if !got.OK || got.Path != "totpRequired" {
			t.Fatalf("JS sign-in with the authenticator the Go CLI registered: got %+v, want ok on path totpRequired", got)
		}
		wantUser(t, got, erin)
	})
}
