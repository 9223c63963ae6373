package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// tamper serves the emulator but rewrites the JSON answer of one operation,
// playing a hostile or broken service.
func tamper(emu http.Handler, op string, rewrite func(body []byte) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		if !strings.HasSuffix(target, "."+op) {
			emu.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		body := rewrite(rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// setJSON rewrites one field of a JSON answer: path names nested objects.
func setJSON(value any, path ...string) func([]byte) []byte {
	return func(body []byte) []byte {
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return body
		}
		cur := m
		for _, p := range path[:len(path)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				return body
			}
			cur = next
		}
		if value == nil {
			delete(cur, path[len(path)-1])
		} else {
			cur[path[len(path)-1]] = value
		}
		out, _ := json.Marshal(m)
		return out
	}
}

// TestBadInput: configuration files, flags and arguments, session files and
// hostile server answers; each gives its exit code and a message that says
// what is wrong, and none panics.
func TestBadInput(t *testing.T) {
	type tc struct {
		name  string
		setup func(h *harness) // may rewrite config or session, or swap the endpoint
		stdin string
		args  []string
		code  int
		want  []string
	}
	cfgWith := func(extra string) func(h *harness) {
		return func(h *harness) { h.writeConfig(h.demo.ConfigTOML("test") + extra) }
	}
	cfgReplace := func(old, new string) func(h *harness) {
		return func(h *harness) { h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), old, new, 1)) }
	}
	rawCfg := func(s string) func(h *harness) { return func(h *harness) { h.writeConfig(s) } }
	session := func(content string) func(h *harness) {
		return func(h *harness) {
			h.login()
			if err := os.WriteFile(h.store.Path("test"), []byte(content), 0o600); err != nil {
				h.t.Fatal(err)
			}
		}
	}
	hostile := func(op string, rewrite func([]byte) []byte) func(h *harness) {
		return func(h *harness) {
			srv := httptest.NewServer(tamper(h.emu, op, rewrite))
			h.t.Cleanup(srv.Close)
			h.url = srv.URL
		}
	}
	login := []string{"login", "-u", "alice", "--password-stdin"}
	pw := "Correct-Horse-7\n"
	nHex := strings.Repeat("F", 16) + "C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
	cases := []tc{
		// Configuration files: exit 2, naming the file, env and key.
		{"config missing", func(h *harness) { os.Remove(h.config) }, "", []string{"credentials"}, 2, []string{"file not found", "config.toml"}},
		{"config is a directory", func(h *harness) { os.Remove(h.config); os.Mkdir(h.config, 0o700) }, "", []string{"credentials"}, 2, []string{"is a directory"}},
		{"config not TOML", rawCfg("[env.test\nregion = "), "", []string{"credentials"}, 2, []string{"not valid TOML", "line 2"}},
		{"config empty", rawCfg(""), "", []string{"credentials"}, 2, []string{"no environments"}},
		{"unknown key", cfgWith("regoin = \"x\"\n"), "", []string{"credentials"}, 2, []string{`env "test"`, "regoin", "unknown key"}},
		{"missing region", cfgReplace(`region           = "us-east-1"`, ""), "", []string{"credentials"}, 2, []string{"region", "missing"}},
		{"bad region", cfgReplace(`region           = "us-east-1"`, `region = "Virginia"`), "", []string{"credentials"}, 2, []string{"region", "not an AWS region"}},
		{"pool id form", func(h *harness) {
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), h.demo.UserPoolID, "pool123", 1))
		}, "", []string{"credentials"}, 2, []string{"user_pool_id", "<region>_<id>"}},
		{"pool in another region", func(h *harness) {
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), h.demo.UserPoolID, strings.Replace(h.demo.UserPoolID, "us-east-1", "eu-west-1", 1), 1))
		}, "", []string{"credentials"}, 2, []string{"user_pool_id", "region eu-west-1"}},
		{"identity pool form", func(h *harness) {
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), h.demo.IdentityPoolID, "pool-uuid", 1))
		}, "", []string{"credentials"}, 2, []string{"identity_pool_id", "<region>:<uuid>"}},
		{"client id form", func(h *harness) {
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), h.demo.ClientID, "has spaces", 1))
		}, "", []string{"credentials"}, 2, []string{"client_id"}},
		{"bad auth flow", cfgWith("auth_flow = \"magic\"\n"), "", []string{"credentials"}, 2, []string{"auth_flow", "magic"}},
		{"basic without role", cfgWith("credentials_flow = \"basic\"\n"), "", []string{"credentials"}, 2, []string{"role_arn", "required"}},
		{"bad role arn", cfgWith("role_arn = \"admin\"\n"), "", []string{"credentials"}, 2, []string{"role_arn", "IAM role ARN"}},
		{"bad duration", cfgWith("credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nduration = \"forever\"\n"), "", []string{"credentials"}, 2, []string{"duration", "not a duration"}},
		{"duration too long", cfgWith("credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nduration = \"24h\"\n"), "", []string{"credentials"}, 2, []string{"duration", "15m..12h"}},
		{"duration on enhanced", cfgWith("duration = \"2h\"\n"), "", []string{"credentials"}, 2, []string{"duration", "basic"}},
		{"bad expiry window", cfgWith("expiry_window = \"1ms\"\n"), "", []string{"credentials"}, 2, []string{"expiry_window"}},
		{"default env missing", func(h *harness) {
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), `default_env = "test"`, `default_env = "prod"`, 1))
		}, "", []string{"credentials"}, 2, []string{"default_env", `"prod"`}},
		{"unknown --env", nil, "", []string{"--env", "prod", "credentials"}, 2, []string{`no environment "prod"`, "--env"}},
		{"wrong value type", cfgWith("redirect_port = \"eighty\"\n"), "", []string{"credentials"}, 2, []string{"config.toml"}},

		// Flags and arguments: exit 2, naming the flag.
		{"unknown command", nil, "", []string{"logon"}, 2, []string{"unknown command", "--help"}},
		{"extra argument", nil, "", []string{"credentials", "extra"}, 2, []string{"credentials", "--help"}},
		{"unknown flag", nil, "", []string{"credentials", "--fromat", "env"}, 2, []string{"unknown flag", "--fromat"}},
		{"bad format", nil, "", []string{"credentials", "--format", "yaml"}, 2, []string{"--format", "yaml"}},
		{"exec without command", nil, "", []string{"exec"}, 2, []string{"exec", "--help"}},
		{"remember-device value", nil, "", []string{"login", "--remember-device", "maybe"}, 2, []string{"--remember-device", "yes or no"}},
		{"resume with user", nil, "", []string{"login", "--resume", "-u", "alice"}, 2, []string{"--resume"}},
		{"resume with nothing pending", nil, "", []string{"login", "--resume", "--mfa-code", "123456"}, 2, []string{"no sign-in is waiting"}},
		{"no password source", nil, "", []string{"login", "-u", "alice"}, 2, []string{"--password-stdin"}},
		{"empty stdin", nil, "", login, 2, []string{"--password-stdin"}},
		{"ls without bucket", cfgReplace(`bucket           = "demo-bucket"`, ""), "", []string{"ls"}, 2, []string{"no bucket"}},
		{"serve on all interfaces", nil, "", []string{"serve", "--addr", "0.0.0.0:0"}, 2, []string{"--addr"}},
		{"logout --all with --env", nil, "", []string{"--env", "test", "logout", "--all"}, 2, []string{"--all"}},
		{"password change without terminal", nil, "", []string{"password", "change"}, 2, []string{"--password-stdin"}},
		{"mfa prefer unknown", nil, "", []string{"mfa", "prefer", "CARRIER_PIGEON"}, 2, []string{"CARRIER_PIGEON"}},

		// Session files: treated as no session (exit 3), saying why.
		{"session corrupt", session("{\"version\": 1, \"refresh"), "", []string{"credentials"}, 3, []string{"unusable", "not valid JSON", "login"}},
		{"session truncated", session(""), "", []string{"credentials"}, 3, []string{"unusable"}},
		{"session wrong version", session(`{"version": 7, "refresh_token": "r"}`), "", []string{"credentials"}, 3, []string{"format version 7"}},
		{"session without refresh token", session(`{"version": 1}`), "", []string{"credentials"}, 3, []string{"no refresh token"}},
		{"session for another pool", func(h *harness) {
			h.login()
			h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), h.demo.ClientID, "otherclient123", 1))
		}, "", []string{"credentials"}, 3, []string{"different user pool, app client or identity pool"}},
		{"session symlinked", func(h *harness) {
			h.login()
			target := filepath.Join(h.t.TempDir(), "elsewhere.json")
			os.Rename(h.store.Path("test"), target)
			os.Symlink(target, h.store.Path("test"))
		}, "", []string{"credentials"}, 3, []string{"symlink", "test.json"}},

		// Hostile server answers: exit 1, naming what is wrong, no panic.
		{"SRP_B is 0", hostile("InitiateAuth", setJSON("0", "ChallengeParameters", "SRP_B")), pw, login, 1, []string{"SRP_B is 0 mod N"}},
		{"SRP_B is N", hostile("InitiateAuth", setJSON(nHex, "ChallengeParameters", "SRP_B")), pw, login, 1, []string{"SRP_B is 0 mod N"}},
		{"SRP_B not hex", hostile("InitiateAuth", setJSON("xyz", "ChallengeParameters", "SRP_B")), pw, login, 1, []string{"SRP_B is not hexadecimal"}},
		{"SRP_B huge", hostile("InitiateAuth", setJSON(strings.Repeat("ab", 100000), "ChallengeParameters", "SRP_B")), pw, login, 1, []string{"SRP_B is 200000 characters long"}},
		{"SALT missing", hostile("InitiateAuth", setJSON(nil, "ChallengeParameters", "SALT")), pw, login, 1, []string{"SALT is missing"}},
		{"SECRET_BLOCK bad base64", hostile("InitiateAuth", setJSON("not base64!", "ChallengeParameters", "SECRET_BLOCK")), pw, login, 1, []string{"SECRET_BLOCK is not valid base64"}},
		{"USER_ID_FOR_SRP missing", hostile("InitiateAuth", setJSON(nil, "ChallengeParameters", "USER_ID_FOR_SRP")), pw, login, 1, []string{"USER_ID_FOR_SRP is missing"}},
		{"not JSON", hostile("InitiateAuth", func([]byte) []byte { return []byte("<html>gateway error</html>") }), pw, login, 1, []string{"InitiateAuth"}},
		{"ID token not a JWT", hostile("RespondToAuthChallenge", setJSON("garbage", "AuthenticationResult", "IdToken")), pw, login, 1, []string{"not a JWT"}},
		{"no tokens", hostile("RespondToAuthChallenge", setJSON(nil, "AuthenticationResult", "AccessToken")), pw, login, 1, []string{"no ID or access token"}},
		{"absurd expiration", hostile("GetCredentialsForIdentity", setJSON(253402300799.0, "Credentials", "Expiration")), pw, login, 1, []string{"GetCredentialsForIdentity", "not plausible"}},
		{"credentials without secret", hostile("GetCredentialsForIdentity", setJSON(nil, "Credentials", "SecretKey")), pw, login, 1, []string{"GetCredentialsForIdentity", "lacks"}},
		{"identity id missing", hostile("GetId", setJSON(nil, "IdentityId")), pw, login, 1, []string{"GetId", "no identity id"}},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, cognitotest.DemoOptions{})
			if c.setup != nil {
				c.setup(h)
			}
			r := h.run(c.stdin, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d; want %d\n%s", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("message lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, bad := range []string{"panic", "goroutine ", "runtime error"} {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stack trace:\n%s", r.stderr)
				}
			}
		})
	}
}

// TestLooseSessionPermissionsTightened: a session file someone made
// world-readable is tightened, with a warning naming it, and then used.
func TestLooseSessionPermissionsTightened(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	path := h.store.Path("test")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Now: h.clock.Now}
	t.Setenv("COGNITO_LOGIN_CACHE_DIR", h.store.Dir())
	if code := a.Run(context.Background(), []string{"--config", h.config, "credentials"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "warning") || !strings.Contains(errOut.String(), "test.json") {
		t.Errorf("no warning naming the file:\n%s", errOut.String())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v; want 0600", fi.Mode().Perm())
	}
	io.Discard.Write(out.Bytes())
}
