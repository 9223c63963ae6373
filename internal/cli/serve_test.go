package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// startServe runs `serve` with args until the test ends and returns the
// endpoint URL and token from its export lines, and its stderr.
func (h *harness) startServe(args ...string) (url, token string, stderr *syncBuffer) {
	h.t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	a := &App{
		IO:        &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Prompter:  noPrompter{},
		Getenv:    func(string) string { return "" },
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region),
		Store:     h.store,
		Now:       h.clock.Now,
	}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- a.Run(ctx, append(append([]string{"--config", h.config}, args...), "serve")) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				h.t.Errorf("serve exited %d after cancel:\n%s", c, errOut.String())
			}
		case <-time.After(10 * time.Second):
			h.t.Errorf("serve did not stop after cancel")
		}
	})
	re := regexp.MustCompile(`^export ` + containerURIVar + `=(\S+)\nexport ` + containerTokenVar + `=([0-9a-f]+)\n` +
		`export AWS_REGION=` + regexp.QuoteMeta(h.demo.Region) + `\nexport AWS_DEFAULT_REGION=` + regexp.QuoteMeta(h.demo.Region) + `\n$`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], m[2], errOut
		}
		select {
		case c := <-code:
			h.t.Fatalf("serve exited %d before serving:\nstdout:\n%s\nstderr:\n%s", c, out.String(), errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	h.t.Fatalf("serve printed no export lines:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	return "", "", nil
}

func retrieveEndpoint(url, token string) (aws.Credentials, error) {
	p := endpointcreds.New(url, func(o *endpointcreds.Options) { o.AuthorizationToken = token })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Retrieve(ctx)
}

func TestServeEndpointCredentials(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	p := decodeProcess(t, h.run("", "credentials").stdout)
	url, token, stderr := h.startServe("--debug")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, credentialsPath) {
		t.Errorf("endpoint URL %q; want http://127.0.0.1:PORT%s", url, credentialsPath)
	}
	if len(token) != 64 {
		t.Errorf("token has %d hex digits; want 64 (32 random bytes)", len(token))
	}

	h.emu.ResetCounts()
	got, err := retrieveEndpoint(url, token)
	if err != nil {
		t.Fatalf("endpointcreds with the token: %v", err)
	}
	if got.AccessKeyID != p.AccessKeyID || got.SecretAccessKey != p.SecretAccessKey || got.SessionToken != p.SessionToken ||
		!got.CanExpire || got.Expires.UTC().Format(time.RFC3339) != p.Expiration || got.Source != endpointcreds.ProviderName {
		t.Errorf("endpoint credentials = %s %v %s; want what `credentials` prints: %s %s", got.AccessKeyID, got.CanExpire, got.Expires, p.AccessKeyID, p.Expiration)
	}
	wantCounts(t, h.emu, map[string]int{}) // cached: no network

	// Without the token, or with another one, the SDK fails.
	for name, tok := range map[string]string{"missing": "", "wrong": strings.Repeat("0", 64), "prefix": token[:63]} {
		if cr, err := retrieveEndpoint(url, tok); err == nil {
			t.Errorf("%s token: got credentials %s; want an error", name, cr.AccessKeyID)
		}
	}
	// The raw answers: 401/403 with a JSON error and no credentials.
	for _, tc := range []struct {
		name   string
		method string
		header []string
		status int
		code   string
	}{
		{"missing", "GET", nil, 401, "Unauthorized"},
		{"empty", "GET", []string{""}, 401, "Unauthorized"},
		{"wrong", "GET", []string{"Bearer " + token}, 403, "AccessDenied"},
		{"twice", "GET", []string{token, token}, 403, "AccessDenied"},
		{"post", "POST", []string{token}, 405, "MethodNotAllowed"},
	} {
		req, _ := http.NewRequest(tc.method, url, nil)
		for _, v := range tc.header {
			req.Header.Add("Authorization", v)
		}
		status, body, ctype := do(t, req)
		var e endpointError
		if status != tc.status || ctype != "application/json" || json.Unmarshal(body, &e) != nil || e.Code != tc.code || e.Message == "" {
			t.Errorf("%s: %d %s %s; want %d JSON with code %s", tc.name, status, ctype, body, tc.status, tc.code)
		}
		for _, secret := range []string{p.AccessKeyID, p.SecretAccessKey, p.SessionToken, token} {
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("%s: response leaks a secret: %s", tc.name, body)
			}
		}
	}
	// A page that rebinds its name to 127.0.0.1 cannot use the endpoint
	// even with the token.
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "evil.example"
	req.Header.Set("Authorization", token)
	if status, body, _ := do(t, req); status != 403 || bytes.Contains(body, []byte(p.AccessKeyID)) {
		t.Errorf("foreign Host: %d %s; want 403 without credentials", status, body)
	}
	// The raw success answer has the SDKs' field names.
	req, _ = http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", token)
	status, body, _ := do(t, req)
	var raw map[string]string
	if err := json.Unmarshal(body, &raw); status != 200 || err != nil || raw["AccessKeyId"] != p.AccessKeyID ||
		raw["SecretAccessKey"] != p.SecretAccessKey || raw["Token"] != p.SessionToken || raw["Expiration"] != p.Expiration {
		t.Errorf("GET with the token: %d %s", status, body)
	}

	// Past the first hour: the next request gets new credentials, after
	// exactly one refresh.
	h.clock.Advance(57 * time.Minute)
	h.emu.ResetCounts()
	second, err := retrieveEndpoint(url, token)
	if err != nil {
		t.Fatalf("after 57m: %v", err)
	}
	if second.AccessKeyID == p.AccessKeyID || !second.Expires.After(h.clock.Now().Add(50*time.Minute)) {
		t.Errorf("after 57m: %s expiring %s; want new credentials for another hour", second.AccessKeyID, second.Expires)
	}
	wantOneRefresh(t, h.emu)
	if again, err := retrieveEndpoint(url, token); err != nil || again.AccessKeyID != second.AccessKeyID {
		t.Errorf("next request: %v %v; want the refreshed credentials", again.AccessKeyID, err)
	}
	if p2 := decodeProcess(t, h.run("", "credentials").stdout); p2.AccessKeyID != second.AccessKeyID {
		t.Errorf("`credentials` prints %s; the endpoint served %s", p2.AccessKeyID, second.AccessKeyID)
	}
	wantOneRefresh(t, h.emu)

	// Concurrent requests when due still cause one refresh.
	h.clock.Advance(57 * time.Minute)
	h.emu.ResetCounts()
	var wg sync.WaitGroup
	keys := make([]string, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, err := retrieveEndpoint(url, token)
			if err != nil {
				t.Errorf("concurrent request: %v", err)
			}
			keys[i] = cr.AccessKeyID
		}()
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] || k == second.AccessKeyID {
			t.Errorf("concurrent requests got %v; want one new key", keys)
			break
		}
	}
	wantOneRefresh(t, h.emu)

	// --debug logs the requests, never the token or the credentials.
	if !strings.Contains(stderr.String(), "credentials endpoint request") {
		t.Errorf("--debug logged no requests:\n%s", stderr.String())
	}
	for _, secret := range []string{token, p.SecretAccessKey, p.SessionToken, second.SecretAccessKey, second.SessionToken} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("stderr contains a secret:\n%s", stderr.String())
		}
	}
}

// wantOneRefresh checks that exactly one token refresh (whichever
// operation the library uses for it) and one credentials call reached the
// emulator.
func wantOneRefresh(t *testing.T, emu *cognitotest.Server) {
	t.Helper()
	got := emu.Counts()
	refresh := got["InitiateAuth"] + got["GetTokensFromRefreshToken"]
	total := 0
	for _, n := range got {
		total += n
	}
	if refresh != 1 || got["GetCredentialsForIdentity"] != 1 || total != 2 {
		t.Errorf("requests = %s; want one token refresh and GetCredentialsForIdentity=1", cognitotest.FormatCounts(got))
	}
}

func do(t *testing.T, req *http.Request) (int, []byte, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header.Get("Content-Type")
}

func TestServeLoginRequiredAndRefresh(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	if r := h.run("", "serve"); r.code != 3 || r.stdout != "" || !strings.Contains(r.stderr, "login") {
		t.Errorf("serve before login: exit %d, stdout %q, stderr %q; want 3, nothing to export", r.code, r.stdout, r.stderr)
	}
	h.login()
	url, token, stderr := h.startServe()
	// The session goes away while serving: the request fails with the
	// reason, and the person running serve is told.
	if err := h.store.Delete("test"); err != nil {
		t.Fatal(err)
	}
	_, err := retrieveEndpoint(url, token)
	if err == nil || !strings.Contains(err.Error(), "LoginRequired") {
		t.Errorf("after the session is gone: %v; want LoginRequired", err)
	}
	if !strings.Contains(stderr.String(), "cannot serve credentials") {
		t.Errorf("serve did not report the failure:\n%s", stderr.String())
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:80", "127.0.0.1"} {
		r := h.run("", "serve", "--addr", addr)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--addr") {
			t.Errorf("serve --addr %s: exit %d, stdout %q, stderr %q; want 2", addr, r.code, r.stdout, r.stderr)
		}
	}
	for in, want := range map[string]string{"localhost:0": "127.0.0.1:0", "127.0.0.2:80": "127.0.0.2:80", "[::1]:0": "[::1]:0"} {
		if got, err := loopbackAddr(in); err != nil || got != want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestExecServerHelper is the child of TestExecServer: it reports what it
// sees and gets credentials with the SDK's default chain.
func TestExecServerHelper(t *testing.T) {
	if os.Getenv("COGNITO_LOGIN_TEST_HELPER") != "1" {
		t.Skip("helper process")
	}
	for _, v := range []string{containerURIVar, containerTokenVar, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", execMarker} {
		fmt.Printf("%s=%s\n", v, os.Getenv(v))
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err == nil {
		var cr aws.Credentials
		if cr, err = cfg.Credentials.Retrieve(context.Background()); err == nil {
			fmt.Printf("RETRIEVED=%s %s\n", cr.AccessKeyID, cr.Source)
		}
	}
	if err != nil {
		fmt.Printf("ERROR=%v\n", err)
	}
	os.Exit(7)
}

func TestExecServer(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	p := decodeProcess(t, h.run("", "credentials").stdout)
	out, errOut := &syncBuffer{}, &syncBuffer{}
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now, ConfigPath: h.config}
	dir := t.TempDir()
	hermetic := []string{"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials")}
	stale := []string{"AWS_ACCESS_KEY_ID=AKIASTALE", "AWS_SECRET_ACCESS_KEY=stale", "AWS_PROFILE=stale",
		containerURIVar + "=http://127.0.0.1:1/stale", containerTokenVar + "=stale"}
	err := execRun(context.Background(), &ExecOptions{App: a, Server: true,
		Argv:    []string{os.Args[0], "-test.run=^TestExecServerHelper$"},
		Environ: append(append([]string{"COGNITO_LOGIN_TEST_HELPER=1", "HOME=" + dir}, hermetic...), stale...)})
	if ExitCode(err) != 7 {
		t.Errorf("exit code = %d (%v); want the child's 7\nstdout:\n%s\nstderr:\n%s", ExitCode(err), err, out.String(), errOut.String())
	}
	seen := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			seen[k] = v
		}
	}
	uri := seen[containerURIVar]
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/credentials$`).MatchString(uri) || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(seen[containerTokenVar]) {
		t.Errorf("child's endpoint variables: %q %q", uri, seen[containerTokenVar])
	}
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		if seen[v] != "" {
			t.Errorf("child has %s=%s; want it unset (it would take precedence)", v, seen[v])
		}
	}
	if seen["AWS_REGION"] != h.demo.Region || seen[execMarker] != "test" {
		t.Errorf("child's AWS_REGION %q, %s %q", seen["AWS_REGION"], execMarker, seen[execMarker])
	}
	if want := p.AccessKeyID + " " + endpointcreds.ProviderName; seen["RETRIEVED"] != want {
		t.Errorf("the SDK's default chain in the child got %q (error %q); want %q", seen["RETRIEVED"], seen["ERROR"], want)
	}
	// The endpoint stops with the child.
	if uri != "" {
		if resp, err := http.Get(uri); err == nil {
			resp.Body.Close()
			t.Errorf("endpoint still answers after the child exited: %s", resp.Status)
		}
	}
	// The nesting guard still applies.
	err = execRun(context.Background(), &ExecOptions{App: a, Server: true, Argv: []string{"true"},
		Environ: []string{"PATH=" + os.Getenv("PATH"), execMarker + "=test"}})
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "already inside") {
		t.Errorf("nested exec --server: %v; want usage error", err)
	}
	// Through the command line, with the flag parsed.
	if r := h.run("", "exec", "--server", "--", "sh", "-c", `test -n "$`+containerTokenVar+`" && test -z "$AWS_ACCESS_KEY_ID"`); r.code != 0 {
		t.Errorf("exec --server -- sh: exit %d: %s", r.code, r.stderr)
	}
	if r := h.run("", "exec", "--server", "--", "sh", "-c", "exit 3"); r.code != 3 {
		t.Errorf("exec --server exit code: %d; want 3", r.code)
	}

	t.Run("aws cli", func(t *testing.T) {
		if _, err := exec.LookPath("aws"); err != nil {
			t.Skip("aws is not on PATH")
		}
		if b, err := exec.Command("aws", "--version").CombinedOutput(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("aws --version: %v\n%s", err, b)
			}
			t.Skipf("aws is broken here: %v\n%s", err, b)
		}
		var environ []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, execMarker+"=") {
				environ = append(environ, kv)
			}
		}
		environ = append(append(environ, hermetic...), "AWS_ENDPOINT_URL="+h.url, "AWS_EC2_METADATA_DISABLED=true")
		out, errOut := &syncBuffer{}, &syncBuffer{}
		a.IO = &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
		h.emu.ResetCounts()
		err := execRun(context.Background(), &ExecOptions{App: a, Server: true,
			Argv: []string{"aws", "sts", "get-caller-identity", "--output", "json"}, Environ: environ})
		if err != nil {
			t.Fatalf("exec --server -- aws sts get-caller-identity: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		}
		var who struct{ Arn, UserId, Account string }
		if err := json.Unmarshal([]byte(out.String()), &who); err != nil || who.Arn == "" {
			t.Errorf("aws printed %q (%v)", out.String(), err)
		}
		if n := h.emu.Count("GetCallerIdentity"); n != 1 {
			t.Errorf("GetCallerIdentity reached the emulator %d times; want 1", n)
		}
	})
}
