package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
)

const phone = "+15555550123"

func smsMFA() cognitotest.DemoOptions {
	return cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true}, Phone: phone}
}

// code returns the last code the emulator "sent" to alice.
func (h *harness) code() string {
	h.t.Helper()
	c, ok := h.emu.LastCode(h.demo.UserPoolID, h.demo.Username)
	if !ok {
		h.t.Fatalf("no code in the outbox: %+v", h.emu.Outbox())
	}
	return c
}

func (h *harness) mustRun(stdin string, args ...string) result {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("%v: exit %d:\n%s", args, r.code, r.stderr)
	}
	return r
}

func wantExit(t *testing.T, r result, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d; want %d:\n%s", r.code, code, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(r.stderr, c) {
			t.Errorf("stderr lacks %q:\n%s", c, r.stderr)
		}
	}
}

func TestSMSMFANonInteractiveAndResume(t *testing.T) {
	h := newHarness(t, smsMFA())
	pw := h.demo.Password + "\n"
	r := h.run(pw, "login", "-u", "alice", "--password-stdin")
	wantExit(t, r, 5, "SMS_MFA", "--mfa-code", "login --resume --mfa-code CODE", "+*")
	if strings.Contains(r.stderr, h.code()) {
		t.Errorf("the code itself was printed:\n%s", r.stderr)
	}
	// A wrong code keeps the sign-in open for another try.
	r = h.run("", "login", "--resume", "--mfa-code", "000000")
	wantExit(t, r, 5, "refused", "--resume")
	h.emu.ResetCounts()
	h.mustRun("", "login", "--resume", "--mfa-code", h.code())
	wantCounts(t, h.emu, map[string]int{"RespondToAuthChallenge": 1, "GetId": 1, "GetCredentialsForIdentity": 1})
	if r := h.run("", "login", "--resume", "--mfa-code", h.code()); r.code != 2 || !strings.Contains(r.stderr, "no sign-in is waiting") {
		t.Errorf("a second resume: exit %d, %q", r.code, r.stderr)
	}
	decodeProcess(t, h.mustRun("", "credentials").stdout)

	// In one go: password and code.
	h.emu.ResetCounts()
	r = h.run(pw, "login", "-u", "alice", "--password-stdin")
	wantExit(t, r, 5)
	h.mustRun("", "login", "--resume", "--mfa-code", h.code())
}

func TestPendingChallengeExpires(t *testing.T) {
	h := newHarness(t, smsMFA())
	wantExit(t, h.run(h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin"), 5)
	h.clock.Advance(4 * time.Minute)
	r := h.run("", "login", "--resume", "--mfa-code", h.code())
	wantExit(t, r, 2, "expired", "sign in again")
}

func TestMFASetupThenTOTP(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true}})
	pw := h.demo.Password + "\n"
	r := h.run(pw, "login", "-u", "alice", "--password-stdin")
	wantExit(t, r, 5, "MFA_SETUP", "authenticator", "--mfa-code")
	m := regexp.MustCompile(`Secret: ([A-Z2-7]+)`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no secret shown:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "█") {
		t.Errorf("no QR code drawn:\n%s", r.stderr)
	}
	totp := func() string {
		c, err := cognitotest.TOTP(m[1], h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	h.mustRun("", "login", "--resume", "--mfa-code", totp())
	if n := h.emu.Count("AssociateSoftwareToken"); n != 1 {
		t.Errorf("AssociateSoftwareToken called %d times; resuming must keep the secret the user scanned", n)
	}
	// From now on the pool asks for the authenticator's code.
	h.clock.Advance(30 * time.Second)
	r = h.run(pw, "login", "-u", "alice", "--password-stdin")
	wantExit(t, r, 5, "SOFTWARE_TOKEN_MFA", "authenticator app")
	h.clock.Advance(30 * time.Second)
	h.mustRun(pw, "login", "-u", "alice", "--password-stdin", "--mfa-code", totp())
}

func TestSelectMFAType(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true, SoftwareTokenMFA: true}, Phone: phone})
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if err := h.emu.SetTOTPSecret(h.demo.UserPoolID, "alice", secret); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.SetUserMFA(h.demo.UserPoolID, "alice", true, true, false, ""); err != nil {
		t.Fatal(err)
	}
	pw := h.demo.Password + "\n"
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5, "SELECT_MFA_TYPE", "SMS_MFA", "SOFTWARE_TOKEN_MFA", "--mfa-type")
	code, _ := cognitotest.TOTP(secret, h.clock.Now())
	h.mustRun(pw, "login", "-u", "alice", "--password-stdin", "--mfa-type", "SOFTWARE_TOKEN_MFA", "--mfa-code", code)
	// Choosing SMS: the code is sent after the choice, so it comes by resume.
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin", "--mfa-type", "SMS_MFA"), 5, "SMS_MFA")
	h.mustRun("", "login", "--resume", "--mfa-code", h.code())
}

func TestRememberedDeviceSkipsMFA(t *testing.T) {
	o := smsMFA()
	o.Pool.Devices = "always"
	h := newHarness(t, o)
	pw := h.demo.Password + "\n"
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5)
	r := h.mustRun("", "login", "--resume", "--mfa-code", h.code())
	if !strings.Contains(r.stderr, "This device is remembered") {
		t.Errorf("device not reported as remembered:\n%s", r.stderr)
	}
	sent := len(h.emu.Outbox())

	// The next sign-in proves the device instead of asking for a code.
	h.emu.ResetCounts()
	h.mustRun(pw, "login", "-u", "alice", "--password-stdin")
	if len(h.emu.Outbox()) != sent {
		t.Errorf("a code was sent although the device is remembered")
	}
	if n := h.emu.Count("RespondToAuthChallenge"); n != 3 {
		t.Errorf("RespondToAuthChallenge = %d; want 3 (password verifier, device SRP, device verifier)", n)
	}
	r = h.mustRun("", "devices")
	if !strings.Contains(r.stdout, "(this device)") || !strings.Contains(r.stdout, "\tremembered") {
		t.Errorf("devices output:\n%s", r.stdout)
	}
	// A refresh presents the device too.
	h.clock.Advance(57 * time.Minute)
	h.emu.ResetCounts()
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	wantCounts(t, h.emu, map[string]int{"GetTokensFromRefreshToken": 1, "GetCredentialsForIdentity": 1})

	h.mustRun("", "devices", "forget", "--this")
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5, "SMS_MFA")
}

func TestOptInDevice(t *testing.T) {
	o := smsMFA()
	o.Pool.Devices = "opt-in"
	h := newHarness(t, o)
	pw := h.demo.Password + "\n"
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5)
	h.mustRun("", "login", "--resume", "--mfa-code", h.code(), "--remember-device", "no")
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5, "SMS_MFA")
	r := h.mustRun("", "login", "--resume", "--mfa-code", h.code(), "--remember-device", "yes")
	if !strings.Contains(r.stderr, "remembered") {
		t.Errorf("opt-in yes not reported:\n%s", r.stderr)
	}
	h.mustRun(pw, "login", "-u", "alice", "--password-stdin")
	wantExit(t, h.run("", "login", "--remember-device", "maybe"), 2, "yes or no")
}

func TestPasswordResetAndChange(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	api := cip.NewFromConfig(*emulatorAWSConfig(h.url, h.demo.Region))
	if _, err := api.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{
		UserPoolId: aws.String(h.demo.UserPoolID), Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	r := h.run(h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin")
	wantExit(t, r, 4, "password reset", "password reset -u alice")

	r = h.mustRun("", "password", "reset", "-u", "alice")
	if !strings.Contains(r.stderr, "sent by email") || !strings.Contains(r.stderr, "--code CODE") {
		t.Errorf("reset step 1:\n%s", r.stderr)
	}
	wantExit(t, h.run("Reset-Pass-9!\n", "password", "reset", "-u", "alice", "--code", "000000", "--new-password-stdin"), 1, "ConfirmForgotPassword")
	h.mustRun("Reset-Pass-9!\n", "password", "reset", "-u", "alice", "--code", h.code(), "--new-password-stdin")
	h.mustRun("Reset-Pass-9!\n", "login", "-u", "alice", "--password-stdin")

	wantExit(t, h.run("Wrong-Old-1!\nChanged-Pass-7!\n", "password", "change", "--password-stdin"), 4)
	h.mustRun("Reset-Pass-9!\nChanged-Pass-7!\n", "password", "change", "--password-stdin")
	wantExit(t, h.run("Reset-Pass-9!\n", "login", "-u", "alice", "--password-stdin"), 4)
	h.mustRun("Changed-Pass-7!\n", "login", "-u", "alice", "--password-stdin")
	wantExit(t, h.run("", "password", "change"), 2, "--password-stdin")
}

func TestChoiceBasedSignIn(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{
		Pool:       cognitotest.UserPoolConfig{FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}},
		ExtraFlows: []string{"ALLOW_USER_AUTH"},
	})
	h.writeConfig(h.demo.ConfigTOML("test") + "auth_flow = \"user_auth\"\n")
	// With a password: PASSWORD_SRP, no question.
	h.emu.ResetCounts()
	h.mustRun(h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin")
	// Without: an email code.
	r := h.run("", "login", "-u", "alice", "--first-factor", "EMAIL_OTP")
	wantExit(t, r, 5, "EMAIL_OTP", "sent by email")
	h.mustRun("", "login", "--resume", "--mfa-code", h.code())
	decodeProcess(t, h.mustRun("", "credentials").stdout)
}

func TestCustomChallenge(t *testing.T) {
	hook := func(req cognitotest.CustomAuthRequest) cognitotest.CustomAuthDecision {
		if len(req.Session) > 0 && req.Session[len(req.Session)-1].Result {
			return cognitotest.CustomAuthDecision{IssueTokens: true}
		}
		if len(req.Session) > 0 {
			return cognitotest.CustomAuthDecision{FailAuthentication: true}
		}
		return cognitotest.CustomAuthDecision{ChallengeName: "CUSTOM_CHALLENGE",
			PublicParameters: map[string]string{"question": "What is 2+2?"},
			Correct:          func(a string) bool { return a == "4" }}
	}
	h := newHarnessWith(t, cognitotest.Options{CustomAuth: hook}, cognitotest.DemoOptions{ExtraFlows: []string{"ALLOW_CUSTOM_AUTH"}})
	h.writeConfig(h.demo.ConfigTOML("test") + "auth_flow = \"custom\"\n")
	r := h.run("", "login", "-u", "alice")
	wantExit(t, r, 5, "CUSTOM_CHALLENGE", "What is 2+2?", "--answer")
	wantExit(t, h.run("", "login", "-u", "alice", "--answer", "5"), 4)
	h.mustRun("", "login", "-u", "alice", "--answer", "4")
	decodeProcess(t, h.mustRun("", "credentials").stdout)
}

func TestMFASetupForSignedInUser(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true}})
	pw := h.demo.Password + "\n"
	h.mustRun(pw, "login", "-u", "alice", "--password-stdin")
	r := h.mustRun("", "mfa", "setup")
	m := regexp.MustCompile(`Secret: ([A-Z2-7]+)`).FindStringSubmatch(r.stderr)
	if m == nil || !strings.Contains(r.stderr, "mfa setup --code CODE") {
		t.Fatalf("mfa setup step 1:\n%s", r.stderr)
	}
	wantExit(t, h.run("", "mfa", "setup", "--code", "000000"), 1, "VerifySoftwareToken")
	code, _ := cognitotest.TOTP(m[1], h.clock.Now())
	h.mustRun("", "mfa", "setup", "--code", code)
	h.clock.Advance(30 * time.Second)
	wantExit(t, h.run(pw, "login", "-u", "alice", "--password-stdin"), 5, "SOFTWARE_TOKEN_MFA")
	wantExit(t, h.run("", "mfa", "prefer", "SOMETHING"), 2, "SOFTWARE_TOKEN_MFA")
}

func TestNewPasswordWithRequiredAttributeNeedsTerminal(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123",
		Pool: cognitotest.UserPoolConfig{RequiredAttributes: []string{"name"}}})
	r := h.run("Temp-Pass-123\nNew-Pass-456!\n", "login", "-u", "alice", "--password-stdin", "--new-password-stdin")
	wantExit(t, r, 5, "NEW_PASSWORD_REQUIRED", `"name"`)
}

// TestDebugNeverPrintsChallengeSecrets: with --debug, the device password,
// the pending challenge session and the codes' answers stay out of the
// output.
func TestDebugNeverPrintsChallengeSecrets(t *testing.T) {
	o := smsMFA()
	o.Pool.Devices = "always"
	h := newHarness(t, o)
	pw := h.demo.Password + "\n"
	r1 := h.run(pw, "--debug", "login", "-u", "alice", "--password-stdin")
	pending, err := h.store.Load("test.pending")
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Pending struct{ Session string } }
	if err := json.Unmarshal(pending, &p); err != nil || p.Pending.Session == "" {
		t.Fatalf("pending state: %v %s", err, pending)
	}
	r2 := h.run("", "--debug", "login", "--resume", "--mfa-code", h.code())
	r3 := h.run(pw, "--debug", "login", "-u", "alice", "--password-stdin")
	r4 := h.run("", "--debug", "status")
	data, _ := h.store.Load("test")
	s, err := cognitologin.DecodeSession(data)
	if err != nil || s.Device == nil {
		t.Fatalf("session device: %v", err)
	}
	for name, secret := range map[string]string{"device password": s.Device.Password, "challenge session": p.Pending.Session,
		"refresh token": s.RefreshToken} {
		for _, out := range []string{r1.stderr, r2.stderr, r3.stderr, r4.stdout, r4.stderr, fmt.Sprintf("%v %+v", s, s.Device)} {
			if strings.Contains(out, secret) {
				t.Errorf("%s appears in output:\n%s", name, out)
			}
		}
	}
}
