package userpool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// These tests sign in through the library against the local emulator and
// answer every challenge with a scripted handler: a list of the challenges
// expected, in order, each with its answer. The handler records what it was
// asked so that the tests can check the Challenge values the library builds.

const (
	phone       = "+15555551234"
	maskedPhone = "+*******1234"
	maskedEmail = "a***@e***"
	totpSecret  = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// env is one emulator with one seeded demo user pool.
type env struct {
	t     *testing.T
	emu   *cognitotest.Server
	clock *cognitotest.Clock
	demo  *cognitotest.Demo
	api   *cip.Client
}

func newEnv(t *testing.T, do cognitotest.DemoOptions, custom func(cognitotest.CustomAuthRequest) cognitotest.CustomAuthDecision) *env {
	t.Helper()
	clock := &cognitotest.Clock{}
	emu := cognitotest.NewServer(cognitotest.Options{Now: clock.Now, CustomAuth: custom})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	d, err := emu.SeedDemo(do)
	if err != nil {
		t.Fatal(err)
	}
	api := cip.NewFromConfig(aws.Config{
		Region: emu.Region(), BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
	return &env{t: t, emu: emu, clock: clock, demo: d, api: api}
}

func (e *env) client(flow userpool.AuthFlow, h userpool.ChallengeHandler) *userpool.Client {
	e.t.Helper()
	c, err := userpool.New(e.api, e.demo.UserPoolID, e.demo.ClientID, func(o *userpool.Options) {
		o.Handler = h
		o.Now = e.clock.Now
		o.AuthFlow = flow
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// lastCode is the latest code the emulator "sent" to the demo user.
func (e *env) lastCode() string {
	e.t.Helper()
	c, ok := e.emu.LastCode(e.demo.UserPoolID, e.demo.Username)
	if !ok {
		e.t.Fatal("no code was sent")
	}
	return c
}

func (e *env) totp(secret string) string {
	e.t.Helper()
	c, err := cognitotest.TOTP(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// totpWindow lists the codes the emulator would accept now (one step
// either side).
func (e *env) totpWindow(secret string) []string {
	var list []string
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, err := cognitotest.TOTP(secret, e.clock.Now().Add(d))
		if err != nil {
			e.t.Fatal(err)
		}
		list = append(list, c)
	}
	return list
}

// wantCounts checks the emulator's request counts for the named operations.
func (e *env) wantCounts(want map[string]int) {
	e.t.Helper()
	for op, n := range want {
		if got := e.emu.Count(op); got != n {
			e.t.Errorf("%s called %d times; want %d (counts: %s)", op, got, n, cognitotest.FormatCounts(e.emu.Counts()))
		}
	}
}

// ---- the scripted handler ----

type reply func(ch *userpool.Challenge) (*userpool.Answer, error)

type step struct {
	name  string
	reply reply
}

type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	asked []userpool.Challenge
}

func newScript(t *testing.T, steps ...step) *script {
	return &script{t: t, steps: steps}
}

func (s *script) handler() userpool.ChallengeHandler {
	return func(_ context.Context, ch *userpool.Challenge) (*userpool.Answer, error) {
		if ch == nil {
			s.t.Errorf("handler called with a nil challenge")
			return nil, errors.New("nil challenge")
		}
		cp := *ch
		cp.Parameters = maps.Clone(ch.Parameters)
		cp.Options = slices.Clone(ch.Options)
		cp.RequiredAttributes = slices.Clone(ch.RequiredAttributes)
		s.mu.Lock()
		i := len(s.asked)
		s.asked = append(s.asked, cp)
		s.mu.Unlock()
		if i >= len(s.steps) {
			s.t.Errorf("handler asked unexpected challenge #%d: %v", i+1, ch)
			return nil, fmt.Errorf("unscripted challenge %s", ch.Name)
		}
		st := s.steps[i]
		if ch.Name != st.name {
			s.t.Errorf("challenge #%d is %s; want %s", i+1, ch.Name, st.name)
			return nil, fmt.Errorf("unexpected challenge %s", ch.Name)
		}
		return st.reply(ch)
	}
}

// challenges returns what the handler was asked.
func (s *script) challenges() []userpool.Challenge {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

// wantDone fails unless every scripted step was asked.
func (s *script) wantDone() {
	s.t.Helper()
	if got := s.challenges(); len(got) != len(s.steps) {
		names := make([]string, len(got))
		for i, c := range got {
			names[i] = c.Name
		}
		s.t.Errorf("handler asked %v; want %d scripted challenges", names, len(s.steps))
	}
}

func fixed(a userpool.Answer) reply {
	return func(*userpool.Challenge) (*userpool.Answer, error) { return &a, nil }
}

func (e *env) outboxCode() reply {
	return func(*userpool.Challenge) (*userpool.Answer, error) { return &userpool.Answer{Code: e.lastCode()}, nil }
}

func (e *env) totpCode(secret string) reply {
	return func(*userpool.Challenge) (*userpool.Answer, error) {
		return &userpool.Answer{Code: e.totp(secret)}, nil
	}
}

// wrongCode answers with a six-digit code that is none of good()'s.
func wrongCode(good func() []string) reply {
	return func(*userpool.Challenge) (*userpool.Answer, error) {
		bad := good()
		for n := 0; ; n++ {
			c := fmt.Sprintf("%06d", (n*7919+123456)%1000000)
			if !slices.Contains(bad, c) {
				return &userpool.Answer{Code: c}, nil
			}
		}
	}
}

func noAnswer(*userpool.Challenge) (*userpool.Answer, error) {
	return nil, fmt.Errorf("the script has no answer: %w", userpool.ErrNoAnswer)
}

func wantTokens(t *testing.T, tok *userpool.Tokens, err error, username string) {
	t.Helper()
	if err != nil {
		t.Fatalf("sign-in failed: %v", err)
	}
	if tok == nil || tok.IDToken == "" || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("incomplete tokens: %v", tok)
	}
	if tok.Username != username || tok.Sub == "" {
		t.Errorf("Username = %q, Sub = %q; want username %q", tok.Username, tok.Sub, username)
	}
}

func wantUserpoolError(t *testing.T, err error, op, code string, kind error) *userpool.Error {
	t.Helper()
	var e *userpool.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T); want a *userpool.Error", err, err)
	}
	if op != "" && e.Op != op {
		t.Errorf("Op = %q; want %q (%v)", e.Op, op, err)
	}
	if code != "" && e.Code != code {
		t.Errorf("Code = %q; want %q (%v)", e.Code, code, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("err = %v; want errors.Is %v", err, kind)
	}
	return e
}

// ---- 1–3: the MFA code challenges ----

func TestMFACodeChallenges(t *testing.T) {
	cases := []struct {
		name      string
		demo      cognitotest.DemoOptions
		setup     func(e *env)
		challenge string
		medium    string
		dest      string
		code      func(e *env) reply
		good      func(e *env) []string
	}{
		{
			name:      "SMS_MFA",
			demo:      cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true}, Phone: phone},
			challenge: userpool.ChallengeSMSMFA, medium: "SMS", dest: maskedPhone,
			code: func(e *env) reply { return e.outboxCode() },
			good: func(e *env) []string { return []string{e.lastCode()} },
		},
		{
			name: "SOFTWARE_TOKEN_MFA",
			demo: cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true}},
			setup: func(e *env) {
				if err := e.emu.SetTOTPSecret(e.demo.UserPoolID, e.demo.Username, totpSecret); err != nil {
					e.t.Fatal(err)
				}
				if err := e.emu.SetUserMFA(e.demo.UserPoolID, e.demo.Username, false, true, false, userpool.MFATypeTOTP); err != nil {
					e.t.Fatal(err)
				}
			},
			challenge: userpool.ChallengeSoftwareTokenMFA,
			code:      func(e *env) reply { return e.totpCode(totpSecret) },
			good:      func(e *env) []string { return e.totpWindow(totpSecret) },
		},
		{
			name: "EMAIL_OTP",
			demo: cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", EmailMFA: true}},
			setup: func(e *env) {
				if err := e.emu.SetUserMFA(e.demo.UserPoolID, e.demo.Username, false, false, true, userpool.MFATypeEmail); err != nil {
					e.t.Fatal(err)
				}
			},
			challenge: userpool.ChallengeEmailOTP, medium: "EMAIL", dest: maskedEmail,
			code: func(e *env) reply { return e.outboxCode() },
			good: func(e *env) []string { return []string{e.lastCode()} },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seed := func(t *testing.T) *env {
				e := newEnv(t, tc.demo, nil)
				if tc.setup != nil {
					tc.setup(e)
				}
				return e
			}
			checkAsked := func(t *testing.T, asked []userpool.Challenge) {
				t.Helper()
				for i, ch := range asked {
					if ch.Name != tc.challenge || ch.Attempt != i || ch.DeliveryMedium != tc.medium || ch.Destination != tc.dest || ch.Username != "alice" {
						t.Errorf("challenge #%d = %+v (Attempt %d, DeliveryMedium %q, Destination %q, Username %q); want %s, Attempt %d, %q, %q, alice",
							i+1, ch, ch.Attempt, ch.DeliveryMedium, ch.Destination, ch.Username, tc.challenge, i, tc.medium, tc.dest)
					}
				}
			}

			t.Run("right code", func(t *testing.T) {
				e := seed(t)
				s := newScript(t, step{tc.challenge, tc.code(e)})
				tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
				wantTokens(t, tok, err, "alice")
				s.wantDone()
				checkAsked(t, s.challenges())
				e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 2})
			})

			t.Run("wrong code then right code", func(t *testing.T) {
				e := seed(t)
				s := newScript(t, step{tc.challenge, wrongCode(func() []string { return tc.good(e) })}, step{tc.challenge, tc.code(e)})
				tok, err := e.client(userpool.FlowPassword, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
				wantTokens(t, tok, err, "alice")
				s.wantDone()
				checkAsked(t, s.challenges())
				// One InitiateAuth (USER_PASSWORD_AUTH), the wrong code, the right one.
				e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 2})
			})

			t.Run("three wrong codes", func(t *testing.T) {
				e := seed(t)
				bad := wrongCode(func() []string { return tc.good(e) })
				s := newScript(t, step{tc.challenge, bad}, step{tc.challenge, bad}, step{tc.challenge, bad})
				tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
				if tok != nil {
					t.Fatalf("tokens after three wrong codes: %v", tok)
				}
				wantUserpoolError(t, err, "RespondToAuthChallenge", "CodeMismatchException", userpool.ErrCodeMismatch)
				s.wantDone()
				checkAsked(t, s.challenges())
			})
		})
	}
}

// A handler's own error ends the sign-in with that error, not a
// ChallengeError.
func TestHandlerErrorStopsSignIn(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true}, Phone: phone}, nil)
	boom := errors.New("terminal closed")
	s := newScript(t, step{userpool.ChallengeSMSMFA, func(*userpool.Challenge) (*userpool.Answer, error) { return nil, boom }})
	_, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v; want the handler's error", err)
	}
	var ce *userpool.ChallengeError
	if errors.As(err, &ce) || errors.Is(err, userpool.ErrNoAnswer) {
		t.Errorf("err = %v is a ChallengeError; want the handler's error only", err)
	}
	s.wantDone()
}

// ---- 4: SELECT_MFA_TYPE ----

func TestSelectMFAType(t *testing.T) {
	seed := func(t *testing.T) *env {
		e := newEnv(t, cognitotest.DemoOptions{
			Pool:  cognitotest.UserPoolConfig{MFA: "OPTIONAL", SMSMFA: true, SoftwareTokenMFA: true, EmailMFA: true},
			Phone: phone,
		}, nil)
		if err := e.emu.SetTOTPSecret(e.demo.UserPoolID, "alice", totpSecret); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetUserMFA(e.demo.UserPoolID, "alice", true, true, true, ""); err != nil {
			t.Fatal(err)
		}
		return e
	}
	wantOptions := []string{userpool.ChallengeSMSMFA, userpool.ChallengeSoftwareTokenMFA, userpool.ChallengeEmailOTP}
	cases := []struct {
		choice, medium, dest string
		code                 func(e *env) reply
	}{
		{userpool.ChallengeSMSMFA, "SMS", maskedPhone, func(e *env) reply { return e.outboxCode() }},
		{userpool.ChallengeSoftwareTokenMFA, "", "", func(e *env) reply { return e.totpCode(totpSecret) }},
		{userpool.ChallengeEmailOTP, "EMAIL", maskedEmail, func(e *env) reply { return e.outboxCode() }},
	}
	for _, tc := range cases {
		t.Run(tc.choice, func(t *testing.T) {
			e := seed(t)
			s := newScript(t,
				step{userpool.ChallengeSelectMFAType, fixed(userpool.Answer{Choice: tc.choice})},
				step{tc.choice, tc.code(e)})
			tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
			wantTokens(t, tok, err, "alice")
			s.wantDone()
			asked := s.challenges()
			if len(asked) != 2 {
				return
			}
			if !slices.Equal(asked[0].Options, wantOptions) {
				t.Errorf("SELECT_MFA_TYPE Options = %v; want %v", asked[0].Options, wantOptions)
			}
			if asked[1].DeliveryMedium != tc.medium || asked[1].Destination != tc.dest {
				t.Errorf("%s delivered by %q to %q; want %q, %q", tc.choice, asked[1].DeliveryMedium, asked[1].Destination, tc.medium, tc.dest)
			}
			e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 3})
		})
	}
	t.Run("choice not offered", func(t *testing.T) {
		e := seed(t)
		s := newScript(t, step{userpool.ChallengeSelectMFAType, fixed(userpool.Answer{Choice: "VOICE_MFA"})})
		_, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Challenge != userpool.ChallengeSelectMFAType || !strings.Contains(ce.Reason, "SMS_MFA") {
			t.Fatalf("err = %v; want a ChallengeError listing the choices", err)
		}
		e.wantCounts(map[string]int{"RespondToAuthChallenge": 1})
	})
}

// ---- 5: MFA_SETUP ----

func mfaSetupDemo() cognitotest.DemoOptions {
	return cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true}}
}

func checkSetupChallenge(t *testing.T, ch userpool.Challenge) {
	t.Helper()
	if ch.TOTPSecret == "" {
		t.Fatalf("MFA_SETUP without a TOTPSecret: %+v", ch)
	}
	if !strings.HasPrefix(ch.TOTPURI, "otpauth://totp/") || !strings.Contains(ch.TOTPURI, "secret="+ch.TOTPSecret) {
		t.Errorf("TOTPURI = %q; want an otpauth://totp/ URI holding the secret", ch.TOTPURI)
	}
	if !slices.Equal(ch.Options, []string{userpool.ChallengeSoftwareTokenMFA}) {
		t.Errorf("MFA_SETUP Options = %v", ch.Options)
	}
	if s := fmt.Sprintf("%v %+v %s %#v %#v", ch, ch, ch, ch, &ch); strings.Contains(s, ch.TOTPSecret) {
		t.Errorf("the TOTP secret is printable: %s", s)
	}
}

func setupAnswer(e *env, name string) reply {
	return func(ch *userpool.Challenge) (*userpool.Answer, error) {
		return &userpool.Answer{Code: e.totp(ch.TOTPSecret), DeviceName: name}, nil
	}
}

func TestMFASetup(t *testing.T) {
	t.Run("set up then use", func(t *testing.T) {
		e := newEnv(t, mfaSetupDemo(), nil)
		s := newScript(t, step{userpool.ChallengeMFASetup, setupAnswer(e, "phone")})
		tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		asked := s.challenges()
		if len(asked) != 1 {
			return
		}
		checkSetupChallenge(t, asked[0])
		secret := asked[0].TOTPSecret
		e.wantCounts(map[string]int{"AssociateSoftwareToken": 1, "VerifySoftwareToken": 1})

		e.clock.Advance(30 * time.Second)
		s2 := newScript(t, step{userpool.ChallengeSoftwareTokenMFA, e.totpCode(secret)})
		tok, err = e.client(userpool.FlowSRP, s2.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		s2.wantDone()
		e.wantCounts(map[string]int{"AssociateSoftwareToken": 1})
	})

	t.Run("wrong first code", func(t *testing.T) {
		e := newEnv(t, mfaSetupDemo(), nil)
		var secret string
		bad := func(ch *userpool.Challenge) (*userpool.Answer, error) {
			secret = ch.TOTPSecret
			return wrongCode(func() []string { return e.totpWindow(secret) })(ch)
		}
		s := newScript(t, step{userpool.ChallengeMFASetup, bad}, step{userpool.ChallengeMFASetup, setupAnswer(e, "")})
		tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		asked := s.challenges()
		if len(asked) == 2 && (asked[0].Attempt != 0 || asked[1].Attempt != 1 || asked[1].TOTPSecret != secret) {
			t.Errorf("attempts %d, %d, same secret %v; want 0, 1, true", asked[0].Attempt, asked[1].Attempt, asked[1].TOTPSecret == secret)
		}
		e.wantCounts(map[string]int{"AssociateSoftwareToken": 1, "VerifySoftwareToken": 2})
	})

	t.Run("no answer then resume", func(t *testing.T) {
		e := newEnv(t, mfaSetupDemo(), nil)
		s := newScript(t, step{userpool.ChallengeMFASetup, noAnswer})
		_, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		s.wantDone()
		asked := s.challenges()
		if len(asked) != 1 {
			t.Fatalf("handler asked %d times", len(asked))
		}
		secret := asked[0].TOTPSecret
		checkSetupChallenge(t, asked[0])
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Pending == nil || !errors.Is(err, userpool.ErrNoAnswer) {
			t.Fatalf("err = %v; want a resumable ChallengeError", err)
		}
		if ce.Challenge != userpool.ChallengeMFASetup || ce.Pending.Challenge != userpool.ChallengeMFASetup || ce.Pending.Session == "" {
			t.Fatalf("pending = %v", ce.Pending)
		}
		if !slices.Contains(slices.Collect(maps.Values(ce.Pending.Parameters)), secret) {
			t.Errorf("Pending.Parameters do not carry the associated secret")
		}
		if out := fmt.Sprintf("%v %+v %v", ce.Pending, ce.Pending, err); strings.Contains(out, secret) || strings.Contains(out, ce.Pending.Session) {
			t.Errorf("secret or session printable: %s", out)
		}
		// Another process: the pending state goes through JSON.
		b, err := json.Marshal(ce.Pending)
		if err != nil {
			t.Fatal(err)
		}
		var p userpool.Pending
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		s2 := newScript(t, step{userpool.ChallengeMFASetup, func(ch *userpool.Challenge) (*userpool.Answer, error) {
			if ch.TOTPSecret != secret {
				t.Errorf("resumed MFA_SETUP shows another secret")
			}
			return setupAnswer(e, "phone")(ch)
		}})
		tok, err := e.client(userpool.FlowSRP, s2.handler()).Resume(context.Background(), &p)
		wantTokens(t, tok, err, "alice")
		s2.wantDone()
		e.wantCounts(map[string]int{"AssociateSoftwareToken": 1, "VerifySoftwareToken": 1})
		if len(s2.challenges()) == 1 {
			checkSetupChallenge(t, s2.challenges()[0])
		}

		e.clock.Advance(30 * time.Second)
		s3 := newScript(t, step{userpool.ChallengeSoftwareTokenMFA, e.totpCode(secret)})
		tok, err = e.client(userpool.FlowSRP, s3.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		s3.wantDone()
	})

	t.Run("email only pool", func(t *testing.T) {
		// MFA_SETUP that offers only EMAIL_OTP: this version cannot answer it.
		e := newEnv(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", EmailMFA: true}}, nil)
		s := newScript(t)
		_, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Challenge != userpool.ChallengeMFASetup || !strings.Contains(ce.Reason, "EMAIL_OTP") {
			t.Fatalf("err = %v; want a ChallengeError about MFA_SETUP", err)
		}
		s.wantDone()
		e.wantCounts(map[string]int{"AssociateSoftwareToken": 0})
	})
}

// ---- 6: NEW_PASSWORD_REQUIRED ----

func TestNewPasswordRequiredAttributes(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{Temporary: true, Pool: cognitotest.UserPoolConfig{RequiredAttributes: []string{"name"}}}, nil)
	const newPassword = "Brand-New-Pass-9"

	s := newScript(t, step{userpool.ChallengeNewPasswordRequired, fixed(userpool.Answer{NewPassword: newPassword})})
	_, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
	var ce *userpool.ChallengeError
	if !errors.As(err, &ce) || ce.Challenge != userpool.ChallengeNewPasswordRequired || !strings.Contains(ce.Reason, `"name"`) {
		t.Fatalf("err = %v; want a ChallengeError naming the attribute", err)
	}
	s.wantDone()
	if asked := s.challenges(); len(asked) == 1 && !slices.Equal(asked[0].RequiredAttributes, []string{"name"}) {
		t.Errorf("RequiredAttributes = %q; want [name]", asked[0].RequiredAttributes)
	}
	// Only PASSWORD_VERIFIER was answered: the incomplete answer was not sent.
	e.wantCounts(map[string]int{"RespondToAuthChallenge": 1})

	s = newScript(t, step{userpool.ChallengeNewPasswordRequired,
		fixed(userpool.Answer{NewPassword: newPassword, Attributes: map[string]string{"name": "Alice"}})})
	tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
	wantTokens(t, tok, err, "alice")
	s.wantDone()

	// The new password is now the password; the temporary one is not.
	tok, err = e.client(userpool.FlowSRP, nil).SignIn(context.Background(), "alice", newPassword)
	wantTokens(t, tok, err, "alice")
	_, err = e.client(userpool.FlowSRP, nil).SignIn(context.Background(), "alice", e.demo.Password)
	wantUserpoolError(t, err, "", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
}

// ---- 7, 8: Resume ----

func smsDemo() cognitotest.DemoOptions {
	return cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true}, Phone: phone}
}

// pendingSMS signs in without a handler and returns the pending SMS_MFA.
func pendingSMS(t *testing.T, e *env) (*userpool.Pending, error) {
	t.Helper()
	tok, err := e.client(userpool.FlowSRP, nil).SignIn(context.Background(), "alice", e.demo.Password)
	if tok != nil {
		t.Fatalf("tokens without an MFA answer")
	}
	var ce *userpool.ChallengeError
	if !errors.As(err, &ce) || ce.Pending == nil {
		t.Fatalf("err = %v; want a ChallengeError with Pending", err)
	}
	p := ce.Pending
	if p.Challenge != userpool.ChallengeSMSMFA || ce.Challenge != userpool.ChallengeSMSMFA || p.Session == "" || p.Username != "alice" || p.LoginName != "alice" {
		t.Fatalf("Pending = %+v (Challenge %q, session set %v, Username %q)", p, p.Challenge, p.Session != "", p.Username)
	}
	return p, err
}

func TestResume(t *testing.T) {
	t.Run("later with a handler", func(t *testing.T) {
		e := newEnv(t, smsDemo(), nil)
		p, err := pendingSMS(t, e)
		if !errors.Is(err, userpool.ErrNoAnswer) {
			t.Errorf("errors.Is(err, ErrNoAnswer) = false for %v", err)
		}
		for _, out := range []string{p.String(), fmt.Sprintf("%v|%+v|%s|%#v", p, p, p, p), fmt.Sprintf("%v|%+v|%#v", err, err, err), err.Error()} {
			if strings.Contains(out, p.Session) {
				t.Errorf("the session is printable: %s", out)
			}
		}
		s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()})
		e.emu.ResetCounts()
		tok, err := e.client(userpool.FlowSRP, s.handler()).Resume(context.Background(), p)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		if asked := s.challenges(); len(asked) == 1 && (asked[0].Destination != maskedPhone || asked[0].DeliveryMedium != "SMS") {
			t.Errorf("resumed challenge delivered by %q to %q", asked[0].DeliveryMedium, asked[0].Destination)
		}
		e.wantCounts(map[string]int{"InitiateAuth": 0, "RespondToAuthChallenge": 1})
	})

	t.Run("nothing to resume", func(t *testing.T) {
		e := newEnv(t, cognitotest.DemoOptions{}, nil)
		c := e.client(userpool.FlowSRP, newScript(t).handler())
		for _, p := range []*userpool.Pending{nil, {Challenge: "SMS_MFA"}, {Session: "x"}} {
			if _, err := c.Resume(context.Background(), p); err == nil {
				t.Errorf("Resume(%v) succeeded", p)
			}
		}
		e.wantCounts(map[string]int{"RespondToAuthChallenge": 0})
	})

	t.Run("expired session", func(t *testing.T) {
		e := newEnv(t, smsDemo(), nil)
		p, _ := pendingSMS(t, e)
		e.clock.Advance(4 * time.Minute)
		s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()})
		tok, err := e.client(userpool.FlowSRP, s.handler()).Resume(context.Background(), p)
		if tok != nil {
			t.Fatalf("tokens from an expired session")
		}
		wantUserpoolError(t, err, "RespondToAuthChallenge", "NotAuthorizedException", userpool.ErrSessionExpired)
	})
}

// ---- 9: USER_AUTH ----

func userAuthDemo() cognitotest.DemoOptions {
	return cognitotest.DemoOptions{
		Pool:       cognitotest.UserPoolConfig{FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP", "SMS_OTP"}},
		Phone:      phone,
		ExtraFlows: []string{"ALLOW_USER_AUTH"},
	}
}

func TestUserAuth(t *testing.T) {
	t.Run("password: SRP without asking", func(t *testing.T) {
		e := newEnv(t, userAuthDemo(), nil)
		s := newScript(t)
		tok, err := e.client(userpool.FlowUserAuth, s.handler()).SignIn(context.Background(), "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1})
	})

	t.Run("wrong password", func(t *testing.T) {
		e := newEnv(t, userAuthDemo(), nil)
		s := newScript(t)
		_, err := e.client(userpool.FlowUserAuth, s.handler()).SignIn(context.Background(), "alice", "Wrong-Horse-8")
		wantUserpoolError(t, err, "", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
		s.wantDone()
	})

	prefCases := []struct {
		factor, medium, dest string
	}{
		{userpool.FactorEmailOTP, "EMAIL", maskedEmail},
		{userpool.FactorSMSOTP, "SMS", maskedPhone},
	}
	for _, tc := range prefCases {
		t.Run("passwordless preferred "+tc.factor, func(t *testing.T) {
			e := newEnv(t, userAuthDemo(), nil)
			s := newScript(t, step{tc.factor, e.outboxCode()})
			tok, err := e.client(userpool.FlowUserAuth, s.handler()).SignIn(context.Background(), "alice", "",
				func(o *userpool.SignInOptions) { o.PreferredChallenge = tc.factor })
			wantTokens(t, tok, err, "alice")
			s.wantDone()
			if asked := s.challenges(); len(asked) == 1 && (asked[0].DeliveryMedium != tc.medium || asked[0].Destination != tc.dest) {
				t.Errorf("%s delivered by %q to %q", tc.factor, asked[0].DeliveryMedium, asked[0].Destination)
			}
			e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 1})
			out := e.emu.Outbox()
			if len(out) != 1 || out[0].Purpose != cognitotest.PurposeSignInOTP || out[0].Medium != tc.medium {
				t.Errorf("outbox = %+v; want one sign-in code by %s", out, tc.medium)
			}
		})

		t.Run("passwordless chosen "+tc.factor, func(t *testing.T) {
			e := newEnv(t, userAuthDemo(), nil)
			s := newScript(t,
				step{userpool.ChallengeSelectChallenge, fixed(userpool.Answer{Choice: tc.factor})},
				step{tc.factor, e.outboxCode()})
			tok, err := e.client(userpool.FlowUserAuth, s.handler()).SignIn(context.Background(), "alice", "")
			wantTokens(t, tok, err, "alice")
			s.wantDone()
			asked := s.challenges()
			if len(asked) != 2 {
				return
			}
			// No PASSWORD or PASSWORD_SRP: there is no password to give.
			if want := []string{userpool.FactorEmailOTP, userpool.FactorSMSOTP}; !slices.Equal(asked[0].Options, want) {
				t.Errorf("SELECT_CHALLENGE Options = %v; want %v", asked[0].Options, want)
			}
			if asked[1].DeliveryMedium != tc.medium {
				t.Errorf("%s delivered by %q", tc.factor, asked[1].DeliveryMedium)
			}
			e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 2})
		})
	}

	t.Run("passwordless choice not offered", func(t *testing.T) {
		e := newEnv(t, userAuthDemo(), nil)
		s := newScript(t, step{userpool.ChallengeSelectChallenge, fixed(userpool.Answer{Choice: userpool.FactorPasswordSRP})})
		_, err := e.client(userpool.FlowUserAuth, s.handler()).SignIn(context.Background(), "alice", "")
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Challenge != userpool.ChallengeSelectChallenge {
			t.Fatalf("err = %v; want a ChallengeError for SELECT_CHALLENGE", err)
		}
		e.wantCounts(map[string]int{"RespondToAuthChallenge": 0})
	})

	t.Run("passwordless no answer then resume", func(t *testing.T) {
		e := newEnv(t, userAuthDemo(), nil)
		_, err := e.client(userpool.FlowUserAuth, nil).SignIn(context.Background(), "alice", "")
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Pending == nil || ce.Pending.Challenge != userpool.ChallengeSelectChallenge {
			t.Fatalf("err = %v; want a pending SELECT_CHALLENGE", err)
		}
		s := newScript(t,
			step{userpool.ChallengeSelectChallenge, fixed(userpool.Answer{Choice: userpool.FactorEmailOTP})},
			step{userpool.ChallengeEmailOTP, e.outboxCode()})
		tok, err := e.client(userpool.FlowUserAuth, s.handler()).Resume(context.Background(), ce.Pending)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		if asked := s.challenges(); len(asked) > 0 && !slices.Equal(asked[0].Options, []string{userpool.FactorEmailOTP, userpool.FactorSMSOTP}) {
			t.Errorf("resumed SELECT_CHALLENGE Options = %v", asked[0].Options)
		}
	})
}

// ---- 10: CUSTOM_AUTH ----

// quiz is an Options.CustomAuth that asks "2+2?" once, after the password
// when the sign-in started with SRP.
type quiz struct {
	mu   sync.Mutex
	reqs []cognitotest.CustomAuthRequest
}

func (q *quiz) decide(req cognitotest.CustomAuthRequest) cognitotest.CustomAuthDecision {
	q.mu.Lock()
	q.reqs = append(q.reqs, req)
	q.mu.Unlock()
	n := len(req.Session)
	switch {
	case n == 1 && req.Session[0].ChallengeName == "SRP_A":
		return cognitotest.CustomAuthDecision{ChallengeName: "PASSWORD_VERIFIER"}
	case n > 0 && req.Session[n-1].ChallengeName == userpool.ChallengeCustom:
		if req.Session[n-1].Result {
			return cognitotest.CustomAuthDecision{IssueTokens: true}
		}
		return cognitotest.CustomAuthDecision{FailAuthentication: true}
	}
	return cognitotest.CustomAuthDecision{
		ChallengeName:    userpool.ChallengeCustom,
		PublicParameters: map[string]string{"question": "2+2?"},
		Correct:          func(a string) bool { return a == "4" },
	}
}

func (q *quiz) lastSteps() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.reqs) == 0 {
		return nil
	}
	var out []string
	for _, s := range q.reqs[len(q.reqs)-1].Session {
		out = append(out, fmt.Sprintf("%s:%v", s.ChallengeName, s.Result))
	}
	return out
}

func customDemo() cognitotest.DemoOptions {
	return cognitotest.DemoOptions{ExtraFlows: []string{"ALLOW_CUSTOM_AUTH"}}
}

func answerQuiz(t *testing.T, answer string) reply {
	return func(ch *userpool.Challenge) (*userpool.Answer, error) {
		if ch.Parameters["question"] != "2+2?" {
			t.Errorf("CUSTOM_CHALLENGE Parameters = %v; want the question", ch.Parameters)
		}
		return &userpool.Answer{Code: answer}, nil
	}
}

func TestCustomAuth(t *testing.T) {
	cases := []struct {
		name, password, answer string
		wantErr                bool
		wantSteps              []string
		respond                int
	}{
		{"right answer", "", "4", false, []string{"CUSTOM_CHALLENGE:true"}, 1},
		{"wrong answer", "", "5", true, []string{"CUSTOM_CHALLENGE:false"}, 1},
		{"password then right answer", "Correct-Horse-7", "4", false, []string{"SRP_A:true", "PASSWORD_VERIFIER:true", "CUSTOM_CHALLENGE:true"}, 2},
		{"password then wrong answer", "Correct-Horse-7", "22", true, []string{"SRP_A:true", "PASSWORD_VERIFIER:true", "CUSTOM_CHALLENGE:false"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := &quiz{}
			e := newEnv(t, customDemo(), q.decide)
			s := newScript(t, step{userpool.ChallengeCustom, answerQuiz(t, tc.answer)})
			tok, err := e.client(userpool.FlowCustom, s.handler()).SignIn(context.Background(), "alice", tc.password)
			if tc.wantErr {
				if tok != nil {
					t.Fatalf("tokens for a wrong answer")
				}
				wantUserpoolError(t, err, "RespondToAuthChallenge", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
			} else {
				wantTokens(t, tok, err, "alice")
			}
			s.wantDone()
			if got := q.lastSteps(); !slices.Equal(got, tc.wantSteps) {
				t.Errorf("custom auth steps = %v; want %v", got, tc.wantSteps)
			}
			e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": tc.respond})
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		q := &quiz{}
		e := newEnv(t, customDemo(), q.decide)
		s := newScript(t)
		_, err := e.client(userpool.FlowCustom, s.handler()).SignIn(context.Background(), "alice", "Wrong-Horse-8")
		wantUserpoolError(t, err, "RespondToAuthChallenge", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
		s.wantDone()
	})

	t.Run("no answer then resume", func(t *testing.T) {
		q := &quiz{}
		e := newEnv(t, customDemo(), q.decide)
		_, err := e.client(userpool.FlowCustom, newScript(t, step{userpool.ChallengeCustom, noAnswer}).handler()).
			SignIn(context.Background(), "alice", "")
		var ce *userpool.ChallengeError
		if !errors.As(err, &ce) || ce.Pending == nil || ce.Pending.Parameters["question"] != "2+2?" {
			t.Fatalf("err = %v; want a pending CUSTOM_CHALLENGE with its question", err)
		}
		s := newScript(t, step{userpool.ChallengeCustom, answerQuiz(t, "4")})
		tok, err := e.client(userpool.FlowCustom, s.handler()).Resume(context.Background(), ce.Pending)
		wantTokens(t, tok, err, "alice")
		s.wantDone()
	})

	t.Run("pool without the trigger", func(t *testing.T) {
		e := newEnv(t, customDemo(), nil)
		s := newScript(t)
		_, err := e.client(userpool.FlowCustom, s.handler()).SignIn(context.Background(), "alice", "")
		wantUserpoolError(t, err, "InitiateAuth", "InvalidParameterException", nil)
		s.wantDone()
	})
}

// ---- 11: remembered devices ----

func TestRememberedDevice(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true, Devices: "always"}, Phone: phone}, nil)
	ctx := context.Background()

	s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()})
	tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password)
	wantTokens(t, tok, err, "alice")
	s.wantDone()
	dev := tok.Device
	if dev == nil || !dev.Remembered || dev.Password == "" || dev.Key == "" || dev.GroupKey == "" {
		t.Fatalf("Device = %#v; want a remembered device with a password", dev)
	}
	for _, out := range []string{dev.String(), fmt.Sprintf("%v|%+v|%#v|%s", dev, dev, dev, dev), fmt.Sprintf("%v|%+v|%#v", tok, tok, tok)} {
		if strings.Contains(out, dev.Password) {
			t.Errorf("the device password is printable: %s", out)
		}
	}
	withDevice := func(d *userpool.Device) func(*userpool.SignInOptions) {
		return func(o *userpool.SignInOptions) { o.Device = d }
	}

	t.Run("skips MFA", func(t *testing.T) {
		e.emu.ResetCounts()
		s := newScript(t)
		tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password, withDevice(dev))
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		if tok.Device == nil || tok.Device.Key != dev.Key {
			t.Errorf("Tokens.Device = %v; want the device used", tok.Device)
		}
		// PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER; no
		// new device to confirm.
		e.wantCounts(map[string]int{"InitiateAuth": 1, "RespondToAuthChallenge": 3, "ConfirmDevice": 0})

		t.Run("refresh", func(t *testing.T) {
			c := e.client(userpool.FlowSRP, nil)
			r, err := c.Refresh(ctx, tok.RefreshToken, tok.Username, withDevice(dev))
			if err != nil {
				t.Fatalf("refresh with the device: %v", err)
			}
			if r.AccessToken == "" || r.RefreshToken != tok.RefreshToken || r.Device != dev {
				t.Errorf("refreshed tokens = %v", r)
			}
			_, err = c.Refresh(ctx, tok.RefreshToken, tok.Username)
			wantUserpoolError(t, err, "GetTokensFromRefreshToken", "NotAuthorizedException", userpool.ErrRefreshTokenInvalid)
			other := *dev
			other.Key = e.demo.Region + "_00000000-0000-0000-0000-000000000000"
			_, err = c.Refresh(ctx, tok.RefreshToken, tok.Username, withDevice(&other))
			wantUserpoolError(t, err, "GetTokensFromRefreshToken", "NotAuthorizedException", userpool.ErrRefreshTokenInvalid)
		})
	})

	t.Run("wrong device password", func(t *testing.T) {
		bad := *dev
		bad.Password = "not-the-device-password"
		s := newScript(t)
		tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password, withDevice(&bad))
		if tok != nil {
			t.Fatalf("tokens with a wrong device password")
		}
		wantUserpoolError(t, err, "RespondToAuthChallenge", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
		s.wantDone()
	})

	t.Run("list and forget", func(t *testing.T) {
		c := e.client(userpool.FlowSRP, nil)
		list, err := c.ListDevices(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(list, func(d userpool.DeviceInfo) bool { return d.Key == dev.Key })
		if i < 0 {
			t.Fatalf("ListDevices = %+v; want %s", list, dev.Key)
		}
		if !list[i].Remembered || list[i].Name != "cognito-login" || list[i].Created.IsZero() {
			t.Errorf("device info = %+v; want remembered, named cognito-login", list[i])
		}
		if err := c.ForgetDevice(ctx, tok.AccessToken, dev.Key); err != nil {
			t.Fatal(err)
		}
		list, err = c.ListDevices(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(list, func(d userpool.DeviceInfo) bool { return d.Key == dev.Key }) {
			t.Errorf("forgotten device still listed")
		}
		s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()})
		tok2, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password, withDevice(dev))
		wantTokens(t, tok2, err, "alice")
		s.wantDone()
		if tok2.Device == nil || tok2.Device.Key == dev.Key || !tok2.Device.Remembered {
			t.Errorf("after ForgetDevice, Tokens.Device = %v; want a new remembered device", tok2.Device)
		}
	})
}

func TestOptInDevice(t *testing.T) {
	demo := cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true, Devices: "opt-in"}, Phone: phone}
	ctx := context.Background()
	checkRemember := func(t *testing.T, asked []userpool.Challenge, known bool) {
		t.Helper()
		if len(asked) == 0 {
			return
		}
		if last := asked[len(asked)-1]; last.Name != userpool.ChallengeRememberDevice || last.KnownDevice != known {
			t.Errorf("last challenge %s, KnownDevice %v; want REMEMBER_DEVICE, KnownDevice %v", last.Name, last.KnownDevice, known)
		}
	}
	cases := []struct {
		name     string
		remember reply
		want     bool
	}{
		{"remember", fixed(userpool.Answer{Remember: true}), true},
		{"do not remember", fixed(userpool.Answer{Remember: false}), false},
		{"no answer", noAnswer, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, demo, nil)
			s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()}, step{userpool.ChallengeRememberDevice, tc.remember})
			tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password)
			wantTokens(t, tok, err, "alice")
			s.wantDone()
			checkRemember(t, s.challenges(), false)
			if tok.Device == nil || tok.Device.Remembered != tc.want || tok.Device.Password == "" {
				t.Fatalf("Device = %v; want Remembered %v", tok.Device, tc.want)
			}
			e.wantCounts(map[string]int{"ConfirmDevice": 1, "UpdateDeviceStatus": 1})
			list, err := e.client(userpool.FlowSRP, nil).ListDevices(ctx, tok.AccessToken)
			if err != nil || len(list) != 1 || list[0].Key != tok.Device.Key || list[0].Remembered != tc.want {
				t.Errorf("ListDevices = %+v, %v; want the device, remembered %v", list, err, tc.want)
			}

			// Remembered: MFA is skipped. Not remembered: MFA again, and the
			// handler may remember the known device now (it declines).
			next := newScript(t)
			if !tc.want {
				next = newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()}, step{userpool.ChallengeRememberDevice, noAnswer})
			}
			tok2, err := e.client(userpool.FlowSRP, next.handler()).SignIn(ctx, "alice", e.demo.Password,
				func(o *userpool.SignInOptions) { o.Device = tok.Device })
			wantTokens(t, tok2, err, "alice")
			next.wantDone()
			if !tc.want {
				checkRemember(t, next.challenges(), true)
			}
			if tok2.Device == nil || tok2.Device.Key != tok.Device.Key || tok2.Device.Remembered != tc.want {
				t.Errorf("second sign-in Device = %v; want the same device, remembered %v", tok2.Device, tc.want)
			}
			e.wantCounts(map[string]int{"ConfirmDevice": 1, "UpdateDeviceStatus": 1})
		})
	}

	t.Run("remember later", func(t *testing.T) {
		e := newEnv(t, demo, nil)
		s := newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()}, step{userpool.ChallengeRememberDevice, fixed(userpool.Answer{Remember: false})})
		tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password)
		wantTokens(t, tok, err, "alice")
		dev := tok.Device
		if dev == nil || dev.Remembered {
			t.Fatalf("Device = %v; want a device not remembered", dev)
		}
		s = newScript(t, step{userpool.ChallengeSMSMFA, e.outboxCode()}, step{userpool.ChallengeRememberDevice, fixed(userpool.Answer{Remember: true})})
		tok, err = e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password, func(o *userpool.SignInOptions) { o.Device = dev })
		wantTokens(t, tok, err, "alice")
		s.wantDone()
		checkRemember(t, s.challenges(), true)
		if tok.Device == nil || !tok.Device.Remembered || tok.Device.Key != dev.Key || tok.Device.Password != dev.Password {
			t.Fatalf("Device = %v; want the same device, now remembered", tok.Device)
		}
		if dev.Remembered {
			t.Errorf("the caller's Device was modified in place")
		}
		e.wantCounts(map[string]int{"ConfirmDevice": 1, "UpdateDeviceStatus": 2})
		remembered := tok.Device
		s = newScript(t)
		tok, err = e.client(userpool.FlowSRP, s.handler()).SignIn(ctx, "alice", e.demo.Password, func(o *userpool.SignInOptions) { o.Device = remembered })
		wantTokens(t, tok, err, "alice")
		s.wantDone()
	})
}

// ---- 12: password lifecycle ----

func TestPasswordLifecycle(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{}, nil)
	ctx := context.Background()
	c := e.client(userpool.FlowSRP, nil)
	const (
		reset   = "Reset-Horse-8"
		changed = "Changed-Horse-9"
	)

	d, err := c.ForgotPassword(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if d.Medium != "EMAIL" || d.Destination != maskedEmail || d.Attribute != "email" {
		t.Errorf("CodeDelivery = %+v; want EMAIL to %s", d, maskedEmail)
	}
	code := e.lastCode()
	wrong := wrongCode(func() []string { return []string{code} })
	a, _ := wrong(nil)
	err = c.ConfirmForgotPassword(ctx, "alice", a.Code, reset)
	wantUserpoolError(t, err, "ConfirmForgotPassword", "CodeMismatchException", userpool.ErrCodeMismatch)
	err = c.ConfirmForgotPassword(ctx, "alice", code, "weak")
	wantUserpoolError(t, err, "ConfirmForgotPassword", "InvalidPasswordException", userpool.ErrInvalidPassword)
	if err := c.ConfirmForgotPassword(ctx, "alice", code, reset); err != nil {
		t.Fatalf("ConfirmForgotPassword with the sent code: %v", err)
	}

	_, err = c.SignIn(ctx, "alice", e.demo.Password)
	wantUserpoolError(t, err, "", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
	tok, err := c.SignIn(ctx, "alice", reset)
	wantTokens(t, tok, err, "alice")

	err = c.ChangePassword(ctx, tok.AccessToken, "Not-The-Password-1", changed)
	wantUserpoolError(t, err, "ChangePassword", "NotAuthorizedException", userpool.ErrIncorrectCredentials)
	if err := c.ChangePassword(ctx, tok.AccessToken, reset, changed); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	tok, err = c.SignIn(ctx, "alice", changed)
	wantTokens(t, tok, err, "alice")

	_, err = c.ForgotPassword(ctx, "nobody")
	wantUserpoolError(t, err, "ForgotPassword", "UserNotFoundException", userpool.ErrUserNotFound)
}

// ---- 13: authenticator setup for a signed-in user ----

func TestAuthenticatorForSignedInUser(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true}}, nil)
	ctx := context.Background()
	s := newScript(t)
	c := e.client(userpool.FlowSRP, s.handler())
	tok, err := c.SignIn(ctx, "alice", e.demo.Password)
	wantTokens(t, tok, err, "alice")
	s.wantDone() // optional MFA, nothing enabled: no challenge

	secret, uri, err := c.AssociateAuthenticator(ctx, tok.AccessToken, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if secret == "" || !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) || !strings.Contains(uri, "alice") {
		t.Errorf("secret %q, uri %q", secret, uri)
	}
	// Not enabled before it is verified.
	err = c.SetMFAPreference(ctx, tok.AccessToken, []string{userpool.MFATypeTOTP}, userpool.MFATypeTOTP)
	wantUserpoolError(t, err, "SetUserMFAPreference", "InvalidParameterException", nil)

	bad, _ := wrongCode(func() []string { return e.totpWindow(secret) })(nil)
	err = c.VerifyAuthenticator(ctx, tok.AccessToken, bad.Code, "laptop")
	wantUserpoolError(t, err, "VerifySoftwareToken", "EnableSoftwareTokenMFAException", userpool.ErrCodeMismatch)
	if err := c.VerifyAuthenticator(ctx, tok.AccessToken, e.totp(secret), "laptop"); err != nil {
		t.Fatalf("VerifyAuthenticator: %v", err)
	}

	// Refused locally, before any request.
	n := e.emu.Count("SetUserMFAPreference")
	if err := c.SetMFAPreference(ctx, tok.AccessToken, []string{"VOICE"}, ""); err == nil {
		t.Errorf("unknown MFA type accepted")
	}
	if err := c.SetMFAPreference(ctx, tok.AccessToken, []string{userpool.MFATypeTOTP}, userpool.MFATypeSMS); err == nil {
		t.Errorf("a preferred type that is not enabled accepted")
	}
	e.wantCounts(map[string]int{"SetUserMFAPreference": n})
	if err := c.SetMFAPreference(ctx, tok.AccessToken, []string{userpool.MFATypeTOTP}, userpool.MFATypeTOTP); err != nil {
		t.Fatalf("SetMFAPreference: %v", err)
	}

	e.clock.Advance(30 * time.Second)
	s2 := newScript(t, step{userpool.ChallengeSoftwareTokenMFA, e.totpCode(secret)})
	tok, err = e.client(userpool.FlowSRP, s2.handler()).SignIn(ctx, "alice", e.demo.Password)
	wantTokens(t, tok, err, "alice")
	s2.wantDone()
	if asked := s2.challenges(); len(asked) == 1 && asked[0].Parameters["FRIENDLY_DEVICE_NAME"] != "laptop" {
		t.Errorf("SOFTWARE_TOKEN_MFA Parameters = %v; want the authenticator's name", asked[0].Parameters)
	}

	// Without a handler, the next sign-in stops at the TOTP challenge.
	e.clock.Advance(30 * time.Second)
	_, err = e.client(userpool.FlowSRP, nil).SignIn(ctx, "alice", e.demo.Password)
	var ce *userpool.ChallengeError
	if !errors.As(err, &ce) || ce.Challenge != userpool.ChallengeSoftwareTokenMFA {
		t.Errorf("err = %v; want a ChallengeError at SOFTWARE_TOKEN_MFA", err)
	}
}

// Answers and challenges hold secrets (codes, new passwords, TOTP secrets):
// no fmt verb prints them.
func TestAnswerAndChallengeRedacted(t *testing.T) {
	a := userpool.Answer{Code: "493817", NewPassword: "Sentinel-Pass-1", Attributes: map[string]string{"name": "Alice"}}
	ch := userpool.Challenge{Name: userpool.ChallengeMFASetup, TOTPSecret: "SENTINELSECRET", TOTPURI: "otpauth://totp/x?secret=SENTINELSECRET"}
	for _, v := range []any{a, &a, ch, &ch} {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "493817") || strings.Contains(out, "Sentinel-Pass-1") || strings.Contains(out, "SENTINELSECRET") {
				t.Errorf("%s of %T prints a secret: %s", verb, v, out)
			}
		}
	}
}

// A device the pool does not know (a pool without device tracking here) is
// not offered for remembering: UpdateDeviceStatus would fail and the
// sign-in's tokens would be lost.
func TestUnknownDeviceNotOfferedForRemembering(t *testing.T) {
	e := newEnv(t, cognitotest.DemoOptions{}, nil)
	s := newScript(t)
	stale := &userpool.Device{Key: e.demo.Region + "_stale", GroupKey: "-stale", Password: "stale-password"}
	tok, err := e.client(userpool.FlowSRP, s.handler()).SignIn(context.Background(), "alice", e.demo.Password,
		func(o *userpool.SignInOptions) { o.Device = stale })
	wantTokens(t, tok, err, "alice")
	s.wantDone()
	e.wantCounts(map[string]int{"UpdateDeviceStatus": 0})
}
