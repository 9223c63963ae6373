package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
)

// harness is an emulator, a seeded demo, a config file and a session dir.
type harness struct {
	t      *testing.T
	emu    *cognitotest.Server
	url    string
	demo   *cognitotest.Demo
	clock  *cognitotest.Clock
	config string
	store  *sessionstore.FileStore
}

func newHarness(t *testing.T, o cognitotest.DemoOptions) *harness {
	t.Helper()
	return newHarnessWith(t, cognitotest.Options{}, o)
}

// newHarnessWith is newHarness with emulator options (a custom-auth hook);
// the harness sets the clock.
func newHarnessWith(t *testing.T, eo cognitotest.Options, o cognitotest.DemoOptions) *harness {
	t.Helper()
	clk := &cognitotest.Clock{}
	eo.Now = clk.Now
	emu := cognitotest.NewServer(eo)
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	d, err := emu.SeedDemo(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := sessionstore.NewFileStore(filepath.Join(dir, "sessions"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, emu: emu, url: url, demo: d, clock: clk, store: st, config: filepath.Join(dir, "config.toml")}
	h.writeConfig(d.ConfigTOML("test"))
	return h
}

func (h *harness) writeConfig(s string) {
	h.t.Helper()
	if err := os.WriteFile(h.config, []byte(s), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

// run executes a command line with stdin and returns code and output.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	a := &App{
		IO:        &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Prompter:  noPrompter{},
		Getenv:    func(string) string { return "" },
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region),
		Store:     h.store,
		Now:       h.clock.Now,
	}
	code := a.Run(context.Background(), append([]string{"--config", h.config}, args...))
	return result{code, out.String(), errOut.String()}
}

func (h *harness) login() {
	h.t.Helper()
	r := h.run(h.demo.Password+"\n", "login", "-u", h.demo.Username, "--password-stdin")
	if r.code != 0 {
		h.t.Fatalf("login: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// noPrompter fails the test run if a command tries to prompt.
type noPrompter struct{}

func (noPrompter) Input(string) (string, error)  { return "", fmt.Errorf("unexpected prompt") }
func (noPrompter) Secret(string) (string, error) { return "", fmt.Errorf("unexpected prompt") }

func wantCounts(t *testing.T, emu *cognitotest.Server, want map[string]int) {
	t.Helper()
	got := emu.Counts()
	if cognitotest.FormatCounts(got) != cognitotest.FormatCounts(want) {
		t.Errorf("requests = %s; want %s", cognitotest.FormatCounts(got), cognitotest.FormatCounts(want))
	}
}

func decodeProcess(t *testing.T, s string) ProcessCredentials {
	t.Helper()
	var p ProcessCredentials
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("credentials output is not JSON: %v\n%s", err, s)
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" || p.SessionToken == "" || p.Expiration == "" {
		t.Fatalf("credential_process output incomplete: %+v", p)
	}
	return p
}

func TestColdLoginCachedAndRefreshRequestCounts(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	wantCounts(t, h.emu, map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1, "GetId": 1, "GetCredentialsForIdentity": 1})

	h.emu.ResetCounts()
	r := h.run("", "credentials")
	if r.code != 0 {
		t.Fatalf("credentials: exit %d: %s", r.code, r.stderr)
	}
	first := decodeProcess(t, r.stdout)
	wantCounts(t, h.emu, map[string]int{})

	// 56 minutes on, the credentials and tokens are inside the renewal
	// window: one token refresh and one credentials call, reusing the
	// identity id.
	h.clock.Advance(56 * time.Minute)
	h.emu.ResetCounts()
	r = h.run("", "credentials")
	if r.code != 0 {
		t.Fatalf("credentials after 56m: exit %d: %s", r.code, r.stderr)
	}
	second := decodeProcess(t, r.stdout)
	wantCounts(t, h.emu, map[string]int{"GetTokensFromRefreshToken": 1, "GetCredentialsForIdentity": 1})
	if second.AccessKeyID == first.AccessKeyID {
		t.Errorf("refresh returned the same access key %s", first.AccessKeyID)
	}
	h.emu.ResetCounts()
	if r = h.run("", "credentials"); r.code != 0 {
		t.Fatalf("credentials: exit %d", r.code)
	}
	wantCounts(t, h.emu, map[string]int{})
}

// TestSecondLoginReusesIdentityID: signing in again as the same user skips
// GetId (3 requests); as another user it does not.
func TestSecondLoginReusesIdentityID(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	h.emu.ResetCounts()
	h.login()
	wantCounts(t, h.emu, map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1, "GetCredentialsForIdentity": 1})

	if _, err := h.emu.CreateUser(h.demo.UserPoolID, "bob", "Bobs-Password-1", nil, false); err != nil {
		t.Fatal(err)
	}
	h.emu.ResetCounts()
	if r := h.run("Bobs-Password-1\n", "login", "-u", "bob", "--password-stdin"); r.code != 0 {
		t.Fatalf("login as bob: exit %d: %s", r.code, r.stderr)
	}
	wantCounts(t, h.emu, map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1, "GetId": 1, "GetCredentialsForIdentity": 1})
}

func TestLsListsBucket(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	r := h.run("", "ls")
	if r.code != 0 {
		t.Fatalf("ls: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(h.demo.Objects) {
		t.Fatalf("ls printed %d lines; want %d:\n%s", len(lines), len(h.demo.Objects), r.stdout)
	}
	for i, key := range h.demo.Objects {
		f := strings.Fields(lines[i])
		if len(f) != 4 || f[3] != key {
			t.Errorf("line %d = %q; want date time size %s", i, lines[i], key)
		}
		if _, err := time.Parse("2006-01-02 15:04:05", f[0]+" "+f[1]); err != nil {
			t.Errorf("line %d date %q: %v", i, f[0]+" "+f[1], err)
		}
	}
	r = h.run("", "ls", "s3://"+h.demo.Bucket+"/reports/")
	if got := strings.Count(r.stdout, "\n"); r.code != 0 || got != 2 {
		t.Errorf("ls with prefix: exit %d, %d lines; want 0, 2:\n%s%s", r.code, got, r.stdout, r.stderr)
	}
	r = h.run("", "ls", "no-such-bucket")
	if r.code != 1 || !strings.Contains(r.stderr, "no such bucket") {
		t.Errorf("ls missing bucket: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestExitCodes(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	cases := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		contains string
	}{
		{"credentials before login", "", []string{"credentials"}, 3, "login"},
		{"exec before login", "", []string{"exec", "--", "true"}, 3, "not signed in"},
		{"wrong password", "Wrong-Password-1\n", []string{"login", "-u", "alice", "--password-stdin"}, 4, "incorrect username or password"},
		{"unknown user", "Whatever-1\n", []string{"login", "-u", "mallory", "--password-stdin"}, 4, "user"},
		{"no password on stdin", "", []string{"login", "-u", "alice", "--password-stdin"}, 2, "--password-stdin"},
		{"not a terminal", "", []string{"login", "-u", "alice"}, 2, "--password-stdin"},
		{"bad format", "", []string{"credentials", "--format", "yaml"}, 2, "--format"},
		{"unknown flag", "", []string{"credentials", "--nope"}, 2, "unknown flag"},
		{"unknown env", "", []string{"--env", "prod", "credentials"}, 2, `no environment "prod"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.run(tc.stdin, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.contains) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.contains)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace in stderr:\n%s", r.stderr)
			}
		})
	}
	r := h.run("", "credentials")
	if !strings.Contains(r.stderr, "Run: cognito-login --config "+h.config+" login") {
		t.Errorf("exit 3 message does not name the login to run:\n%s", r.stderr)
	}
}

func TestNewPasswordRequired(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123"})
	r := h.run("Temp-Pass-123\n", "login", "-u", "alice", "--password-stdin")
	if r.code != 5 || !strings.Contains(r.stderr, "NEW_PASSWORD_REQUIRED") || !strings.Contains(r.stderr, "--new-password-stdin") {
		t.Fatalf("without an answer: exit %d, stderr %q; want 5 naming the challenge and flag", r.code, r.stderr)
	}
	r = h.run("Temp-Pass-123\nBrand-New-Pass-9\n", "login", "-u", "alice", "--password-stdin", "--new-password-stdin")
	if r.code != 0 {
		t.Fatalf("with --new-password-stdin: exit %d: %s", r.code, r.stderr)
	}
	if r := h.run("Temp-Pass-123\n", "login", "-u", "alice", "--password-stdin"); r.code != 4 {
		t.Errorf("old temporary password: exit %d; want 4", r.code)
	}
	if r := h.run("Brand-New-Pass-9\n", "login", "-u", "alice", "--password-stdin"); r.code != 0 {
		t.Errorf("new password: exit %d: %s", r.code, r.stderr)
	}
}

func TestClientSecretAndEmailUsername(t *testing.T) {
	clk := &cognitotest.Clock{}
	emu := cognitotest.NewServer(cognitotest.Options{Now: clk.Now})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	pool, err := emu.CreateUserPool(cognitotest.UserPoolConfig{Name: "emails", UsernameAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret, err := emu.CreateUserPoolClient(pool, cognitotest.ClientConfig{Name: "c", GenerateSecret: true})
	if err != nil || secret == "" {
		t.Fatalf("client: %v (secret %d chars)", err, len(secret))
	}
	sub, err := emu.CreateUser(pool, "bob@example.com", "Bobs-Password-1", map[string]string{"email": "bob@example.com"}, false)
	if err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::123456789012:role/R"
	idp, err := emu.CreateIdentityPool(cognitotest.IdentityPoolConfig{Name: "ids", UserPoolID: pool, ClientID: clientID, AuthenticatedRoleARN: role})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, _ := sessionstore.NewFileStore(dir)
	env := &cognitologin.Env{Name: "sec", Region: emu.Region(), UserPoolID: pool, ClientID: clientID, IdentityPoolID: idp}
	run := func(stdin string, env *cognitologin.Env, args ...string) result {
		var out, errOut bytes.Buffer
		a := &App{IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{},
			AWSConfig: emulatorAWSConfig(url, emu.Region()), Store: st, EnvOverride: env, Now: clk.Now}
		return result{a.Run(context.Background(), args), out.String(), errOut.String()}
	}
	r := run("Bobs-Password-1\n", env, "login", "-u", "bob@example.com", "--password-stdin")
	if r.code != 2 || !strings.Contains(r.stderr, "client_secret") {
		t.Errorf("without the secret: exit %d, %q; want 2 naming client_secret", r.code, r.stderr)
	}
	withSecret := *env
	withSecret.ClientSecret = secret
	r = run("Bobs-Password-1\n", &withSecret, "login", "-u", "bob@example.com", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("with the secret: exit %d: %s", r.code, r.stderr)
	}
	if r = run("", &withSecret, "status"); !strings.Contains(r.stdout, sub) {
		t.Errorf("status does not show the internal username %s:\n%s", sub, r.stdout)
	}
	// Refresh with a secret uses the internal username in SECRET_HASH.
	clk.Advance(58 * time.Minute)
	emu.ResetCounts()
	if r = run("", &withSecret, "credentials"); r.code != 0 {
		t.Fatalf("refresh with secret: exit %d: %s", r.code, r.stderr)
	}
	if emu.Count("GetTokensFromRefreshToken") != 1 {
		t.Errorf("GetTokensFromRefreshToken count = %d; want 1 refresh", emu.Count("GetTokensFromRefreshToken"))
	}
}

func TestBasicFlowDuration(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{RoleMaxSession: 3 * time.Hour})
	base := h.demo.ConfigTOML("test")
	h.writeConfig(base + fmt.Sprintf("credentials_flow = \"basic\"\nrole_arn = %q\nduration = \"2h\"\n", h.demo.RoleARN))
	h.login()
	wantCounts(t, h.emu, map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1, "GetId": 1, "GetOpenIdToken": 1, "AssumeRoleWithWebIdentity": 1})
	r := h.run("", "credentials", "--format", "json")
	p := decodeProcess(t, r.stdout)
	exp, err := time.Parse(time.RFC3339, p.Expiration)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(h.clock.Now()); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("credentials last %s; want 2h", d)
	}
	h.writeConfig(base + fmt.Sprintf("credentials_flow = \"basic\"\nrole_arn = %q\nduration = \"4h\"\n", h.demo.RoleARN))
	r = h.run(h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin")
	if r.code != 1 || !strings.Contains(r.stderr, "MaxSessionDuration") || !strings.Contains(r.stderr, "duration") {
		t.Errorf("4h on a 3h role: exit %d, %q", r.code, r.stderr)
	}
}

func TestCredentialFormats(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	p := decodeProcess(t, h.run("", "credentials").stdout)
	for format, want := range map[string]string{
		"env":        "export AWS_SECRET_ACCESS_KEY=" + p.SecretAccessKey + "\n",
		"fish":       "set -gx AWS_SESSION_TOKEN " + p.SessionToken + ";\n",
		"powershell": "$Env:AWS_ACCESS_KEY_ID = '" + p.AccessKeyID + "'\n",
		"json":       `"Region": "` + h.demo.Region + `"`,
	} {
		r := h.run("", "credentials", "--format", format)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("--format %s: exit %d, output lacks %q:\n%s", format, r.code, want, r.stdout)
		}
	}
}

func TestExec(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	p := decodeProcess(t, h.run("", "credentials").stdout)
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now, ConfigPath: h.config}
	err := execRun(context.Background(), &ExecOptions{App: a,
		Argv:    []string{"sh", "-c", `echo "$AWS_ACCESS_KEY_ID ${AWS_PROFILE:-noprofile} $AWS_REGION"; exit 7`},
		Environ: []string{"PATH=" + os.Getenv("PATH"), "AWS_PROFILE=stale", "AWS_ACCESS_KEY_ID=AKIASTALE"}})
	if ExitCode(err) != 7 {
		t.Errorf("exit code = %d (%v); want the child's 7", ExitCode(err), err)
	}
	if got, want := strings.TrimSpace(out.String()), p.AccessKeyID+" noprofile "+h.demo.Region; got != want {
		t.Errorf("child saw %q; want %q", got, want)
	}
	err = execRun(context.Background(), &ExecOptions{App: a, Argv: []string{"true"},
		Environ: []string{"PATH=" + os.Getenv("PATH"), execMarker + "=test"}})
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "already inside") {
		t.Errorf("nested exec: %v (exit %d); want usage error", err, ExitCode(err))
	}
}

func TestLogoutRevokes(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	data, err := h.store.Load("test")
	if err != nil {
		t.Fatal(err)
	}
	h.emu.ResetCounts()
	if r := h.run("", "logout"); r.code != 0 {
		t.Fatalf("logout: exit %d: %s", r.code, r.stderr)
	}
	wantCounts(t, h.emu, map[string]int{"RevokeToken": 1})
	if r := h.run("", "credentials"); r.code != 3 {
		t.Errorf("credentials after logout: exit %d; want 3", r.code)
	}
	// The revoked refresh token no longer works: put the old session back
	// and make it due.
	if err := h.store.Save("test", data); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(58 * time.Minute)
	r := h.run("", "credentials")
	if r.code != 3 || !strings.Contains(r.stderr, "revoked") {
		t.Errorf("revoked refresh: exit %d, %q; want 3 and why", r.code, r.stderr)
	}
	// The session is marked stale, not deleted.
	r = h.run("", "status")
	if r.code != 3 || !strings.Contains(r.stdout, "needs login") {
		t.Errorf("status of a stale session: exit %d:\n%s", r.code, r.stdout)
	}
}

func TestDebugNeverPrintsSecrets(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Password: "Sentinel-Pass-4242"})
	r := h.run("Sentinel-Pass-4242\n", "--debug", "login", "-u", "alice", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("login: %d %s", r.code, r.stderr)
	}
	h.clock.Advance(58 * time.Minute)
	r2 := h.run("", "--debug", "credentials")
	r3 := h.run("", "--debug", "status")
	data, _ := h.store.Load("test")
	s, err := cognitologin.DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"password": "Sentinel-Pass-4242", "refresh token": s.RefreshToken, "id token": s.IDToken,
		"secret key": s.Credentials.SecretAccessKey, "session token": s.Credentials.SessionToken}
	for name, v := range secrets {
		for _, out := range []string{r.stderr, r.stdout, r2.stderr, r3.stdout, r3.stderr, fmt.Sprintf("%v %+v %#v", s, s, *s)} {
			if strings.Contains(out, v) {
				t.Errorf("%s appears in output:\n%s", name, out)
			}
		}
	}
	if !strings.Contains(r2.stderr, "level=DEBUG") {
		t.Errorf("--debug printed no debug lines:\n%s", r2.stderr)
	}
}

func TestDemoCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{}}
	if code := a.Run(context.Background(), []string{"demo"}); code != 0 {
		t.Fatalf("demo: exit %d:\n%s", code, errOut.String())
	}
	for _, want := range []string{"[3/5] login", "4 requests", "[4/5] credentials from the stored session: 0 requests", "ListObjectsV2=1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, errOut.String())
		}
	}
	if !strings.Contains(out.String(), "reports/2026/q1.csv") {
		t.Errorf("demo listing lacks the seeded objects:\n%s", out.String())
	}
}
