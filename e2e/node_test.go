package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// nodeConformanceDir holds package.json, package-lock.json and signin.js.
const nodeConformanceDir = "testdata/node-conformance"

// jsSignin is signin.js's one line of output.
type jsSignin struct {
	OK                     bool           `json:"ok"`
	Code                   string         `json:"code"`
	Message                string         `json:"message"`
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
	args := []string{script, url, d.UserPoolID, d.ClientID, user}
	if newPassword != "" {
		args = append(args, newPassword)
	}
	sb.Set("SIGNIN_PASSWORD", password)
	defer sb.Unset("SIGNIN_PASSWORD")
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
