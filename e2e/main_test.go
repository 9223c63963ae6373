package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliBin and credBin are the cognito-login and cognito-login-credentials
// binaries TestMain builds once, side by side as an install puts them.
var cliBin, credBin string

// subprocessTimeout bounds every subprocess a test runs.
const subprocessTimeout = 60 * time.Second

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "cognito-login-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	cliBin = filepath.Join(dir, "cognito-login"+exe)
	credBin = filepath.Join(dir, "cognito-login-credentials"+exe)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, b := range []struct{ out, pkg string }{{cliBin, "../cmd/cognito-login"}, {credBin, "../cmd/cognito-login-credentials"}} {
		build := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		var out bytes.Buffer
		build.Stdout, build.Stderr = &out, &out
		start := time.Now()
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building %s: %v\n%s", b.pkg, err, out.String())
			return 1
		}
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", b.out, time.Since(start).Round(time.Millisecond))
		}
	}
	return m.Run()
}

// underCI reports whether CI=true, where missing third-party tools fail
// instead of skipping.
func underCI() bool { return os.Getenv("CI") == "true" }

// needTool returns the absolute path of a program on PATH. When it is
// missing the test skips with why, or fails under CI=true.
func needTool(t *testing.T, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if underCI() {
		t.Fatalf("%s is required under CI=true (%s): %v", name, why, err)
	}
	t.Skipf("%s is not on PATH (%s); skipping", name, why)
	return ""
}

// skipOrFail skips the test with msg, or fails it under CI=true.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if underCI() {
		t.Fatalf("%s (required under CI=true)", msg)
	}
	t.Skip(msg)
}

// sandbox is one test's private world: HOME, cache dir, config file, and
// the environment subprocesses get.
type sandbox struct {
	t        *testing.T
	Home     string
	CacheDir string
	Config   string // config file path; written by WriteConfig
	env      map[string]string
}

// newSandbox makes a temp HOME with its own cache dir and an explicit,
// minimal environment pointing the AWS SDKs at endpoint. Nothing in it
// refers to the real user's files or to AWS.
func newSandbox(t *testing.T, endpoint string) *sandbox {
	t.Helper()
	home := t.TempDir()
	sb := &sandbox{t: t, Home: home, CacheDir: filepath.Join(home, "cache", "cognito-login"),
		Config: filepath.Join(home, "config.toml")}
	emptyCreds := filepath.Join(home, "aws-credentials")
	if err := os.WriteFile(emptyCreds, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sb.env = map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"HOME":                        home,
		"USERPROFILE":                 home,
		"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":              filepath.Join(home, ".cache"),
		"TMPDIR":                      os.TempDir(),
		"LANG":                        "C.UTF-8",
		"COGNITO_LOGIN_CACHE_DIR":     sb.CacheDir,
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(home, "aws-config"), // absent unless a test writes it
		"AWS_SHARED_CREDENTIALS_FILE": emptyCreds,
		"AWS_PAGER":                   "",
		"PYTHONDONTWRITEBYTECODE":     "1",
	}
	// pyenv shims (python3, aws, moto_server) find their interpreter
	// through these; they hold no credentials.
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			sb.env[k] = v
		}
	}
	return sb
}

// Set sets a subprocess environment variable.
func (sb *sandbox) Set(k, v string) { sb.env[k] = v }

// Unset removes a subprocess environment variable.
func (sb *sandbox) Unset(k string) { delete(sb.env, k) }

// Environ renders the subprocess environment.
func (sb *sandbox) Environ() []string {
	out := make([]string, 0, len(sb.env))
	for k, v := range sb.env {
		out = append(out, k+"="+v)
	}
	return out
}

// WriteConfig writes the cognito-login config file.
func (sb *sandbox) WriteConfig(toml string) {
	sb.t.Helper()
	if err := os.WriteFile(sb.Config, []byte(toml), 0o600); err != nil {
		sb.t.Fatal(err)
	}
}

// result is a finished subprocess.
type result struct {
	Args     []string
	Stdout   string
	Stderr   string
	Code     int
	Duration time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("`%s` exited %d after %s\n--- stdout ---\n%s\n--- stderr ---\n%s",
		strings.Join(r.Args, " "), r.Code, r.Duration.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// run runs a program with the sandbox's environment and stdin, bounded by
// subprocessTimeout. A failure to start or a timeout fails the test; a
// non-zero exit is reported in result.Code.
func (sb *sandbox) run(stdin string, name string, args ...string) result {
	sb.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), subprocessTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = sb.Environ()
	cmd.Dir = sb.Home
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := result{Args: append([]string{filepath.Base(name)}, args...), Stdout: stdout.String(),
		Stderr: stderr.String(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		sb.t.Fatalf("timed out after %s: %s", subprocessTimeout, r)
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		sb.t.Fatalf("running %s: %v\n%s", name, err, r)
	}
	return r
}

// cli runs cognito-login --config <sandbox config> ARGS.
func (sb *sandbox) cli(stdin string, args ...string) result {
	sb.t.Helper()
	return sb.run(stdin, cliBin, append([]string{"--config", sb.Config}, args...)...)
}

// mustCLI runs cognito-login and fails the test unless it exits 0.
func (sb *sandbox) mustCLI(stdin string, args ...string) result {
	sb.t.Helper()
	r := sb.cli(stdin, args...)
	if r.Code != 0 {
		sb.t.Fatalf("expected exit 0: %s", r)
	}
	return r
}

// mustRun runs a program and fails the test unless it exits 0.
func (sb *sandbox) mustRun(stdin, name string, args ...string) result {
	sb.t.Helper()
	r := sb.run(stdin, name, args...)
	if r.Code != 0 {
		sb.t.Fatalf("expected exit 0: %s", r)
	}
	return r
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// assertNoPanic fails if output looks like a Go panic or stack trace.
func assertNoPanic(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error", ".go:"} {
		if strings.Contains(r.Stderr, s) || strings.Contains(r.Stdout, s) {
			t.Errorf("output contains %q (a panic or stack trace?): %s", s, r)
		}
	}
}

// credentialProcessOutput is credential_process JSON v1.
type credentialProcessOutput struct {
	Version         int
	AccessKeyId     string //nolint:revive // the wire name
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

// lockedBuffer is a bytes.Buffer safe for a subprocess's output goroutines
// and the test reading it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
