package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/identitypool"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// fastRetryer is the SDK's standard retryer with the library's attempt
// limit but a 1 ms backoff, so that a fault matrix does not sleep seconds
// per case. The library adds its own cut-off-answer check to it.
func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = cognitologin.DefaultRetryMaxAttempts
		o.MaxBackoff = time.Millisecond
		o.RateLimiter = ratelimit.None
	})
}

// runFast is h.run with fastRetryer.
func (h *harness) runFast(stdin string, args ...string) result {
	h.t.Helper()
	cfg := *emulatorAWSConfig(h.url, h.demo.Region)
	cfg.Retryer = fastRetryer
	var out, errOut bytes.Buffer
	a := &App{
		IO:        &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Prompter:  noPrompter{},
		Getenv:    func(string) string { return "" },
		AWSConfig: &cfg,
		Store:     h.store,
		Now:       h.clock.Now,
	}
	code := a.Run(context.Background(), append([]string{"--config", h.config}, args...))
	return result{code, out.String(), errOut.String()}
}

func (h *harness) sessionFile() []byte {
	h.t.Helper()
	b, err := os.ReadFile(h.store.Path("test"))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// faultKind is one column of the matrix.
type faultKind struct {
	name  string
	fault func(op string) cognitotest.Fault
	// attempts is how many requests the faulted operation gets when the
	// step has no side effect to trip over; ok is whether the command
	// succeeds.
	attempts int
	ok       bool
	// want is a phrase the error message has when the command fails.
	want string
}

var faultKinds = []faultKind{
	{"server error once", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Call: 1, Kind: cognitotest.FaultServerError}
	}, 2, true, ""},
	{"server error always", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Kind: cognitotest.FaultServerError}
	}, cognitologin.DefaultRetryMaxAttempts, false, "try again"},
	{"throttle once", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Call: 1, Kind: cognitotest.FaultThrottle}
	}, 2, true, ""},
	{"throttle always", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Kind: cognitotest.FaultThrottle}
	}, cognitologin.DefaultRetryMaxAttempts, false, "try again"},
	{"slow", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Kind: cognitotest.FaultSlow, Delay: 300 * time.Millisecond}
	}, 1, true, ""},
	{"reset once", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Call: 1, Kind: cognitotest.FaultReset}
	}, 2, true, ""},
	{"truncated once", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Call: 1, Kind: cognitotest.FaultTruncated}
	}, 2, true, ""},
	{"malformed once", func(op string) cognitotest.Fault {
		return cognitotest.Fault{Op: op, Call: 1, Kind: cognitotest.FaultMalformed}
	}, 1, false, "could not be read"},
}

// checkOutcome asserts the exit code, the message and the absence of a
// stack trace.
func checkOutcome(t *testing.T, r result, op string, k faultKind) {
	t.Helper()
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("stack trace in stderr:\n%s", r.stderr)
	}
	if k.ok {
		if r.code != 0 {
			t.Errorf("exit %d; want 0 (a retry fixes it):\n%s", r.code, r.stderr)
		}
		return
	}
	if r.code != ExitError {
		t.Errorf("exit %d; want %d:\n%s", r.code, ExitError, r.stderr)
	}
	if !strings.Contains(r.stderr, op+": ") || !strings.Contains(r.stderr, k.want) {
		t.Errorf("message does not name the step %s and say %q:\n%s", op, k.want, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout on failure: %q", r.stdout)
	}
}

// wantSteps checks the requests of a sequence of steps, where the step at
// faulted got n requests and the steps after it ran once if the command
// went on (ok) and not at all otherwise. extra adds to the counts.
func wantSteps(t *testing.T, emu *cognitotest.Server, steps []string, faulted string, n int, ok bool, extra map[string]int) {
	t.Helper()
	want := map[string]int{}
	after := false
	for _, s := range steps {
		switch {
		case s == faulted:
			want[s] = n
			after = true
		case !after || ok:
			want[s] = 1
		}
	}
	for k, v := range extra {
		want[k] += v
	}
	for k, v := range want {
		if v == 0 {
			delete(want, k)
		}
	}
	wantCounts(t, emu, want)
	for op, c := range emu.Counts() {
		if c > cognitologin.DefaultRetryMaxAttempts && op != "RespondToAuthChallenge" {
			t.Errorf("%s was sent %d times: a retry storm", op, c)
		}
	}
}

// TestFaultMatrixSignIn: every network step of a sign-in × every fault. A
// first user is signed in; a second login (another user, so that GetId
// runs) is attempted under the fault. A failed login leaves the stored
// session byte for byte as it was.
func TestFaultMatrixSignIn(t *testing.T) {
	steps := []string{"InitiateAuth", "RespondToAuthChallenge", "GetId", "GetCredentialsForIdentity"}
	for _, op := range steps {
		for _, k := range faultKinds {
			t.Run(op+"/"+k.name, func(t *testing.T) {
				h := newHarness(t, cognitotest.DemoOptions{})
				if _, err := h.emu.CreateUser(h.demo.UserPoolID, "bob", "Bobs-Password-1", nil, false); err != nil {
					t.Fatal(err)
				}
				h.login()
				before := h.sessionFile()
				h.emu.ResetCounts()
				h.emu.InjectFault(k.fault(op))
				r := h.runFast("Bobs-Password-1\n", "login", "-u", "bob", "--password-stdin")
				checkOutcome(t, r, op, k)
				n, extra := k.attempts, map[string]int(nil)
				if op == "RespondToAuthChallenge" && k.name == "truncated once" {
					// The pool verified the password and consumed the
					// challenge; the answer was lost. The SDK's retry is
					// refused (the session is gone) and the sign-in starts
					// again once: 2 InitiateAuth, 3 answers.
					n, extra = 3, map[string]int{"InitiateAuth": 1}
				}
				wantSteps(t, h.emu, steps, op, n, k.ok, extra)
				after := h.sessionFile()
				if !k.ok {
					if !bytes.Equal(before, after) {
						t.Errorf("a failed login changed the stored session")
					}
					return
				}
				s, err := cognitologin.DecodeSession(after)
				if err != nil {
					t.Fatalf("stored session: %v", err)
				}
				if s.LoginName != "bob" || s.Credentials == nil || s.RefreshToken == "" {
					t.Errorf("stored session after the login: user %q, credentials %v", s.LoginName, s.Credentials != nil)
				}
			})
		}
	}
}

// TestFaultMatrixRefresh: the two steps of a refresh × every fault. A
// failed refresh leaves the stored session byte for byte as it was (not
// marked stale: the refresh token is still good); a successful one stores
// fresh credentials.
func TestFaultMatrixRefresh(t *testing.T) {
	steps := []string{"GetTokensFromRefreshToken", "GetCredentialsForIdentity"}
	for _, op := range steps {
		for _, k := range faultKinds {
			t.Run(op+"/"+k.name, func(t *testing.T) {
				h := newHarness(t, cognitotest.DemoOptions{})
				h.login()
				h.clock.Advance(57 * time.Minute)
				before := h.sessionFile()
				h.emu.ResetCounts()
				h.emu.InjectFault(k.fault(op))
				r := h.runFast("", "credentials")
				checkOutcome(t, r, op, k)
				wantSteps(t, h.emu, steps, op, k.attempts, k.ok, nil)
				after := h.sessionFile()
				if !k.ok {
					if !bytes.Equal(before, after) {
						t.Errorf("a failed refresh changed the stored session")
					}
					// Nothing was lost: without the fault the next run refreshes.
					h.emu.ClearFaults()
					if r := h.runFast("", "credentials"); r.code != 0 {
						t.Errorf("credentials after the fault is gone: exit %d:\n%s", r.code, r.stderr)
					}
					return
				}
				p := decodeProcess(t, r.stdout)
				s, err := cognitologin.DecodeSession(after)
				if err != nil {
					t.Fatalf("stored session: %v", err)
				}
				if s.Credentials == nil || s.Credentials.AccessKeyID != p.AccessKeyID || !s.Credentials.Expiration.After(h.clock.Now().Add(50*time.Minute)) {
					t.Errorf("stored session is not the fresh one: %v", s.Credentials)
				}
				if s.RefreshMethod != userpool.RefreshWithGetTokens {
					t.Errorf("refresh method = %q; a passing fault must not switch it", s.RefreshMethod)
				}
			})
		}
	}
}

// TestFaultMatrixCachedCredentials: with valid cached credentials no
// request is made, whatever fails on the network.
func TestFaultMatrixCachedCredentials(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.login()
	before := h.sessionFile()
	for _, k := range faultKinds {
		t.Run(k.name, func(t *testing.T) {
			h.emu.ClearFaults()
			h.emu.ResetCounts()
			h.emu.InjectFault(k.fault("*"))
			r := h.runFast("", "credentials")
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			decodeProcess(t, r.stdout)
			wantCounts(t, h.emu, map[string]int{})
			if !bytes.Equal(before, h.sessionFile()) {
				t.Errorf("a cache hit changed the stored session")
			}
		})
	}
}

// TestWrongPasswordIsNotRetried: a wrong password is answered once, even
// when a passing fault makes the SDK retry the answer; only when the first
// verdict was lost (a cut-off answer) does the sign-in start again, once.
func TestWrongPasswordIsNotRetried(t *testing.T) {
	cases := []struct {
		name           string
		fault          *cognitotest.Fault
		initiate, resp int
	}{
		{"no fault", nil, 1, 1},
		{"server error before the verdict", &cognitotest.Fault{Op: "RespondToAuthChallenge", Call: 1, Kind: cognitotest.FaultServerError}, 1, 2},
		{"verdict cut off", &cognitotest.Fault{Op: "RespondToAuthChallenge", Call: 1, Kind: cognitotest.FaultTruncated}, 2, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, cognitotest.DemoOptions{})
			if tc.fault != nil {
				h.emu.InjectFault(*tc.fault)
			}
			r := h.runFast("Wrong-Password-1\n", "login", "-u", h.demo.Username, "--password-stdin")
			if r.code != ExitSignInRefused || !strings.Contains(r.stderr, "incorrect username or password") {
				t.Errorf("exit %d; want %d and the reason:\n%s", r.code, ExitSignInRefused, r.stderr)
			}
			wantCounts(t, h.emu, map[string]int{"InitiateAuth": tc.initiate, "RespondToAuthChallenge": tc.resp})
		})
	}
}

// TestConsumedChallengeRestartsOnce: when the answer to the password
// verifier is cut off in the first sign-in and again in the restarted
// one, the sign-in gives up after one restart with an error that names the
// step; when every answer is cut off, the SDK's retries run out first.
func TestConsumedChallengeRestartsOnce(t *testing.T) {
	cases := []struct {
		name           string
		faults         []cognitotest.Fault
		initiate, resp int
		want           string
	}{
		{"first answer of each sign-in cut off", []cognitotest.Fault{
			{Op: "RespondToAuthChallenge", Call: 1, Kind: cognitotest.FaultTruncated},
			{Op: "RespondToAuthChallenge", Call: 3, Kind: cognitotest.FaultTruncated},
		}, 2, 4, "sign in again"},
		{"every answer cut off", []cognitotest.Fault{
			{Op: "RespondToAuthChallenge", Kind: cognitotest.FaultTruncated},
		}, 1, 3, "try again"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, cognitotest.DemoOptions{})
			for _, f := range tc.faults {
				h.emu.InjectFault(f)
			}
			r := h.runFast(h.demo.Password+"\n", "login", "-u", h.demo.Username, "--password-stdin")
			if r.code != ExitError || !strings.Contains(r.stderr, "RespondToAuthChallenge: ") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d; want 1 naming the step and saying %q:\n%s", r.code, tc.want, r.stderr)
			}
			wantCounts(t, h.emu, map[string]int{"InitiateAuth": tc.initiate, "RespondToAuthChallenge": tc.resp})
		})
	}
}

// TestFaultErrorsAreTyped: the library's errors say which step failed and
// whether trying again may help.
func TestFaultErrorsAreTyped(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	cfgFile, err := cognitologin.LoadConfig(h.config)
	if err != nil {
		t.Fatal(err)
	}
	env, err := cfgFile.Select("test")
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := *emulatorAWSConfig(h.url, h.demo.Region)
	awsCfg.Retryer = fastRetryer
	c, err := cognitologin.New(*env, func(o *cognitologin.Options) { o.AWSConfig = &awsCfg; o.Store = newMemStoreForTest() })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		op        string
		kind      cognitotest.FaultKind
		retryable bool
	}{
		{"InitiateAuth", cognitotest.FaultThrottle, true},
		{"RespondToAuthChallenge", cognitotest.FaultServerError, true},
		{"RespondToAuthChallenge", cognitotest.FaultReset, true},
		{"InitiateAuth", cognitotest.FaultMalformed, false},
		{"GetId", cognitotest.FaultServerError, true},
		{"GetCredentialsForIdentity", cognitotest.FaultThrottle, true},
		{"GetCredentialsForIdentity", cognitotest.FaultTruncated, true},
		{"GetId", cognitotest.FaultMalformed, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s", tc.op, tc.kind), func(t *testing.T) {
			h.emu.ClearFaults()
			h.emu.InjectFault(cognitotest.Fault{Op: tc.op, Kind: tc.kind})
			_, err := c.Login(ctx, h.demo.Username, h.demo.Password)
			var retryable interface{ Retryable() bool }
			var ue *userpool.Error
			var ie *identitypool.Error
			switch {
			case errors.As(err, &ue):
				retryable = ue
				if ue.Op != tc.op {
					t.Errorf("Op = %q; want %q", ue.Op, tc.op)
				}
			case errors.As(err, &ie):
				retryable = ie
				if ie.Op != tc.op {
					t.Errorf("Op = %q; want %q", ie.Op, tc.op)
				}
			default:
				t.Fatalf("err = %v (%T); want a *userpool.Error or *identitypool.Error", err, err)
			}
			if retryable.Retryable() != tc.retryable {
				t.Errorf("Retryable() = %v; want %v (%v)", retryable.Retryable(), tc.retryable, err)
			}
			if tc.retryable && !strings.Contains(err.Error(), "try again") {
				t.Errorf("message does not say trying again may help: %v", err)
			}
			t.Log(err)
		})
	}
	h.emu.ClearFaults()
	_, err = c.Login(ctx, h.demo.Username, "Wrong-Password-1")
	var ue *userpool.Error
	if !errors.As(err, &ue) || ue.Retryable() {
		t.Errorf("wrong password: %v; want a userpool.Error that is not retryable", err)
	}
}

// TestFaultBasicFlowSTS: the basic flow's STS step (XML) under faults.
func TestFaultBasicFlowSTS(t *testing.T) {
	steps := []string{"InitiateAuth", "RespondToAuthChallenge", "GetId", "GetOpenIdToken", "AssumeRoleWithWebIdentity"}
	for _, k := range faultKinds {
		if k.name == "slow" {
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			h := newHarness(t, cognitotest.DemoOptions{})
			h.writeConfig(h.demo.ConfigTOML("test") + fmt.Sprintf("credentials_flow = \"basic\"\nrole_arn = %q\n", h.demo.RoleARN))
			h.emu.InjectFault(k.fault("AssumeRoleWithWebIdentity"))
			r := h.runFast(h.demo.Password+"\n", "login", "-u", h.demo.Username, "--password-stdin")
			checkOutcome(t, r, "AssumeRoleWithWebIdentity", k)
			wantSteps(t, h.emu, steps, "AssumeRoleWithWebIdentity", k.attempts, k.ok, nil)
		})
	}
}

// TestLibraryDefaultRetryer: without a Retryer in the AWS config the
// library builds its own: DefaultRetryMaxAttempts attempts, cut-off
// answers retried (a shortened backoff keeps the test fast).
func TestLibraryDefaultRetryer(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	cfgFile, err := cognitologin.LoadConfig(h.config)
	if err != nil {
		t.Fatal(err)
	}
	env, err := cfgFile.Select("test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cognitologin.New(*env, func(o *cognitologin.Options) {
		o.AWSConfig = emulatorAWSConfig(h.url, h.demo.Region)
		o.Store = newMemStoreForTest()
		o.RetryMaxBackoff = time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.emu.InjectFault(cognitotest.Fault{Op: "GetId", Kind: cognitotest.FaultThrottle})
	if _, err := c.Login(ctx, h.demo.Username, h.demo.Password); err == nil {
		t.Fatal("login succeeded under constant throttling")
	}
	if got := h.emu.Count("GetId"); got != cognitologin.DefaultRetryMaxAttempts {
		t.Errorf("GetId sent %d times; want %d", got, cognitologin.DefaultRetryMaxAttempts)
	}
	h.emu.ClearFaults()
	h.emu.ResetCounts()
	h.emu.InjectFault(cognitotest.Fault{Op: "GetCredentialsForIdentity", Call: 1, Kind: cognitotest.FaultTruncated})
	if _, err := c.Login(ctx, h.demo.Username, h.demo.Password); err != nil {
		t.Fatalf("login with one cut-off answer: %v", err)
	}
	wantCounts(t, h.emu, map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1, "GetId": 1, "GetCredentialsForIdentity": 2})
}

// TestFaultRefreshRotationCutOff: on an app client with refresh-token
// rotation, a cut-off GetTokensFromRefreshToken answer loses the new
// refresh token. Within the pool's grace period the SDK's retry with the
// old one works; with no grace period the old token is refused and the
// person must sign in again (exit 3), as with real Cognito.
func TestFaultRefreshRotationCutOff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
		code  int
	}{{"with grace period", 30 * time.Second, 0}, {"without grace period", 0, ExitLoginRequired}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, cognitotest.DemoOptions{RefreshTokenRotation: true, RotationGracePeriod: tc.grace})
			h.login()
			h.clock.Advance(57 * time.Minute)
			h.emu.ResetCounts()
			h.emu.InjectFault(cognitotest.Fault{Op: "GetTokensFromRefreshToken", Call: 1, Kind: cognitotest.FaultTruncated})
			r := h.runFast("", "credentials")
			if r.code != tc.code {
				t.Fatalf("exit %d; want %d:\n%s", r.code, tc.code, r.stderr)
			}
			if n := h.emu.Count("GetTokensFromRefreshToken"); n != 2 {
				t.Errorf("GetTokensFromRefreshToken sent %d times; want 2", n)
			}
			if tc.code == 0 {
				h.clock.Advance(57 * time.Minute)
				if r := h.runFast("", "credentials"); r.code != 0 {
					t.Errorf("next refresh with the stored (rotated) token: exit %d:\n%s", r.code, r.stderr)
				}
			}
		})
	}
}
