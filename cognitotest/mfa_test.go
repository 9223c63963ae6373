package cognitotest

import (
	"context"
	"encoding/base32"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// RFC 6238 Appendix B, SHA-1, truncated to the 6 digits Cognito uses.
func TestTOTPVectors(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		got, err := TOTP(secret, time.Unix(c.unix, 0))
		if err != nil || got != c.want {
			t.Errorf("TOTP(T=%d) = %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
	// Authenticator apps accept lower case, spaces and no padding.
	loose := strings.ToLower(strings.TrimRight(secret, "="))
	loose = loose[:4] + " " + loose[4:]
	if got, err := TOTP(loose, time.Unix(59, 0)); err != nil || got != "287082" {
		t.Errorf("TOTP(loose secret) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "not base32!", "1111"} {
		if _, err := TOTP(bad, time.Unix(59, 0)); err == nil {
			t.Errorf("TOTP(%q) did not fail", bad)
		}
	}
}

func TestSMSMFA(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"phone_number": "+15555551234"})

	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSmsMfa)
	if out.AuthenticationResult != nil {
		t.Fatal("tokens before MFA")
	}
	cp := out.ChallengeParameters
	if cp["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" || cp["CODE_DELIVERY_DESTINATION"] != "+*******1234" {
		t.Errorf("challenge parameters = %v", cp)
	}
	box := f.s.Outbox()
	if len(box) != 1 {
		t.Fatalf("outbox = %+v", box)
	}
	m := box[0]
	if m.To != "+15555551234" || m.Medium != "SMS" || m.Purpose != PurposeMFA || m.UserPoolID != a.poolID ||
		m.Username != "alice" || len(m.Code) != 6 || !m.Sent.Equal(f.s.now()) {
		t.Errorf("message = %+v", m)
	}
	wrong := "000000"
	if m.Code == wrong {
		wrong = "111111"
	}
	_, err = a.code(types.ChallengeNameTypeSmsMfa, out.Session, "alice", wrong)
	wantIDPError[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
	// The secret hash is checked on MFA answers too.
	_, err = f.client.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeSmsMfa, ClientId: &a.clientID, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "alice", "SMS_MFA_CODE": m.Code},
	})
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	// A wrong code leaves the session usable.
	done, err := a.code(types.ChallengeNameTypeSmsMfa, out.Session, "alice", m.Code)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	// Sessions are single use.
	_, err = a.code(types.ChallengeNameTypeSmsMfa, out.Session, "alice", m.Code)
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")

	// USER_PASSWORD_AUTH gets the same challenge; three wrong codes spend
	// the session.
	init, err := a.password("alice", goodPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, init.ChallengeName, init.Session, types.ChallengeNameTypeSmsMfa)
	code := a.lastCode("alice")
	if code == m.Code && len(f.s.Outbox()) != 2 {
		t.Fatal("no new code was sent")
	}
	wrong = "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 3; i++ {
		_, err = a.code(types.ChallengeNameTypeSmsMfa, init.Session, "alice", wrong)
		wantIDPError[*types.CodeMismatchException](t, err, "")
	}
	_, err = a.code(types.ChallengeNameTypeSmsMfa, init.Session, "alice", code)
	wantIDPError[*types.NotAuthorizedException](t, err, "")

	// The code and the session expire after three minutes.
	init, err = a.password("alice", goodPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3*time.Minute + time.Second)
	_, err = a.code(types.ChallengeNameTypeSmsMfa, init.Session, "alice", a.lastCode("alice"))
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")
}

func TestEmailOTPMFA(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "OPTIONAL", EmailMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "alice@example.com"})
	a.user("bob", goodPassword, map[string]string{"email": "bob@example.com"})
	if err := f.s.SetUserMFA(a.poolID, "alice", false, false, true, ""); err != nil {
		t.Fatal(err)
	}
	// OPTIONAL: bob has no factor and signs in with his password alone.
	out, err := a.srp("bob", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)
	if len(f.s.Outbox()) != 0 {
		t.Errorf("outbox = %+v", f.s.Outbox())
	}

	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeEmailOtp)
	if cp := out.ChallengeParameters; cp["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" || cp["CODE_DELIVERY_DESTINATION"] != "a***@e***" {
		t.Errorf("challenge parameters = %v", cp)
	}
	box := f.s.Outbox()
	if len(box) != 1 || box[0].To != "alice@example.com" || box[0].Medium != "EMAIL" || box[0].Purpose != PurposeMFA {
		t.Fatalf("outbox = %+v", box)
	}
	code := box[0].Code
	wrong := "123456"
	if code == wrong {
		wrong = "654321"
	}
	_, err = a.code(types.ChallengeNameTypeEmailOtp, out.Session, "alice", wrong)
	wantIDPError[*types.CodeMismatchException](t, err, "Invalid code or auth state for the user.")
	_, err = a.code(types.ChallengeNameTypeEmailOtp, out.Session, "bob", code)
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	_, err = a.respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "alice"})
	wantIDPError[*types.InvalidParameterException](t, err, "Missing required parameter EMAIL_OTP_CODE")
	done, err := a.code(types.ChallengeNameTypeEmailOtp, out.Session, "alice", code)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	got, err := f.client.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &a.poolID, Username: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.UserMFASettingList) != 1 || got.UserMFASettingList[0] != "EMAIL_OTP" || got.PreferredMfaSetting != nil {
		t.Errorf("MFA settings = %v, %v", got.UserMFASettingList, got.PreferredMfaSetting)
	}
}

func TestSoftwareTokenMFAWindow(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	secret := testTOTPSecret("alice")
	if err := f.s.SetUserMFA(a.poolID, "alice", false, true, false, ""); err == nil {
		t.Fatal("software token MFA enabled without a verified token")
	}
	if err := f.s.SetTOTPSecret(a.poolID, "alice", secret); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetUserMFA(a.poolID, "alice", false, true, false, "SOFTWARE_TOKEN_MFA"); err != nil {
		t.Fatal(err)
	}
	signIn := func() *string {
		t.Helper()
		out, err := a.srp("alice", goodPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSoftwareTokenMfa)
		return out.Session
	}
	answer := func(session *string, step int) error {
		t.Helper()
		out, err := a.code(types.ChallengeNameTypeSoftwareTokenMfa, session, "alice", a.totp(secret, step))
		if err == nil {
			wantTokens(t, out.AuthenticationResult)
		}
		return err
	}
	sess := signIn()
	for _, step := range []int{2, -2} {
		wantIDPError[*types.CodeMismatchException](t, answer(sess, step), "Invalid code or auth state for the user.")
	}
	if err := answer(sess, -1); err != nil {
		t.Fatalf("code of the previous step: %v", err)
	}
	sess = signIn()
	// A code is good once.
	wantIDPError[*types.CodeMismatchException](t, answer(sess, -1), "")
	if err := answer(sess, 0); err != nil {
		t.Fatalf("code of the current step: %v", err)
	}
	sess = signIn()
	if err := answer(sess, 1); err != nil {
		t.Fatalf("code of the next step: %v", err)
	}
	// After the next step's code, the current one is spent too.
	sess = signIn()
	wantIDPError[*types.CodeMismatchException](t, answer(sess, 0), "")
	f.clock.Advance(60 * time.Second)
	if err := answer(sess, 0); err != nil {
		t.Fatalf("a new step's code: %v", err)
	}
	if len(f.s.Outbox()) != 0 {
		t.Errorf("software token MFA sent messages: %+v", f.s.Outbox())
	}
}

func TestSelectMFAType(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true, SoftwareTokenMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"phone_number": "+447700900123"})
	secret := testTOTPSecret("select")
	if err := f.s.SetTOTPSecret(a.poolID, "alice", secret); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetUserMFA(a.poolID, "alice", true, true, false, ""); err != nil {
		t.Fatal(err)
	}
	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSelectMfaType)
	if got := out.ChallengeParameters["MFAS_CAN_CHOOSE"]; got != `["SMS_MFA","SOFTWARE_TOKEN_MFA"]` {
		t.Errorf("MFAS_CAN_CHOOSE = %s", got)
	}
	_, err = a.respond(types.ChallengeNameTypeSelectMfaType, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "EMAIL_OTP"})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	next, err := a.respond(types.ChallengeNameTypeSelectMfaType, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeSoftwareTokenMfa)
	done, err := a.code(types.ChallengeNameTypeSoftwareTokenMfa, next.Session, "alice", a.totp(secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	// Choosing SMS sends a code.
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	next, err = a.respond(types.ChallengeNameTypeSelectMfaType, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "SMS_MFA"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeSmsMfa)
	if next.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+********0123" {
		t.Errorf("destination = %q", next.ChallengeParameters["CODE_DELIVERY_DESTINATION"])
	}
	if done, err = a.code(types.ChallengeNameTypeSmsMfa, next.Session, "alice", a.lastCode("alice")); err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	// With a preferred factor, no choice is asked. SetUserMFAPreference
	// with the access token sets it.
	_, err = f.client.SetUserMFAPreference(context.Background(), &cip.SetUserMFAPreferenceInput{
		AccessToken:    done.AuthenticationResult.AccessToken,
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetUser(context.Background(), &cip.GetUserInput{AccessToken: done.AuthenticationResult.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.UserMFASettingList, ",") != "SMS_MFA,SOFTWARE_TOKEN_MFA" || aws.ToString(got.PreferredMfaSetting) != "SMS_MFA" {
		t.Errorf("GetUser MFA = %v, %v", got.UserMFASettingList, aws.ToString(got.PreferredMfaSetting))
	}
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSmsMfa)

	// Both preferred at once is refused; so is preferring a disabled factor.
	_, err = f.client.AdminSetUserMFAPreference(context.Background(), &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: &a.poolID, Username: aws.String("alice"),
		SMSMfaSettings:           &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true},
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	_, err = f.client.AdminSetUserMFAPreference(context.Background(), &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: &a.poolID, Username: aws.String("alice"),
		EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "User does not have delivery config set to turn on EMAIL_OTP")
}

func TestMFASetupSoftwareToken(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()

	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeMfaSetup)
	if got := out.ChallengeParameters["MFAS_CAN_SETUP"]; got != `["SOFTWARE_TOKEN_MFA"]` {
		t.Errorf("MFAS_CAN_SETUP = %s", got)
	}
	// An MFA_SETUP session expires after three minutes like any other.
	stale, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3*time.Minute + time.Second)
	_, err = f.client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: stale.Session})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	// Not before the token is verified.
	_, err = a.respond(types.ChallengeNameTypeMfaSetup, out.Session, map[string]string{"USERNAME": "alice"})
	wantIDPError[*types.InvalidParameterException](t, err, "")

	assoc, err := f.client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(assoc.SecretCode)
	if len(secret) != 32 || aws.ToString(assoc.Session) == "" || aws.ToString(assoc.Session) == aws.ToString(out.Session) {
		t.Fatalf("AssociateSoftwareToken = %q, session %q", secret, aws.ToString(assoc.Session))
	}
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil {
		t.Errorf("secret %q is not base32: %v", secret, err)
	}
	// The old session is replaced.
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: out.Session, UserCode: aws.String(a.totp(secret, 0))})
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	bad := a.totp(secret, 5)
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: &bad})
	wantIDPError[*types.EnableSoftwareTokenMFAException](t, err, "Code mismatch and fail enable Software Token MFA")
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String("12ab56")})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	ver, err := f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		Session: assoc.Session, UserCode: aws.String(a.totp(secret, 0)), FriendlyDeviceName: aws.String("phone"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ver.Status != types.VerifySoftwareTokenResponseTypeSuccess || aws.ToString(ver.Session) == "" {
		t.Fatalf("VerifySoftwareToken = %+v", ver)
	}
	// A session is single use: the verified one replaced the associated one.
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(a.totp(secret, 1))})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	done, err := a.respond(types.ChallengeNameTypeMfaSetup, ver.Session, map[string]string{"USERNAME": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	got, err := f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: done.AuthenticationResult.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.UserMFASettingList, ",") != "SOFTWARE_TOKEN_MFA" || aws.ToString(got.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("after MFA_SETUP: %v, %v", got.UserMFASettingList, aws.ToString(got.PreferredMfaSetting))
	}

	// The next sign-in asks for the token; the code used for setup is spent.
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSoftwareTokenMfa)
	if out.ChallengeParameters["FRIENDLY_DEVICE_NAME"] != "phone" {
		t.Errorf("challenge parameters = %v", out.ChallengeParameters)
	}
	_, err = a.code(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "alice", a.totp(secret, 0))
	wantIDPError[*types.CodeMismatchException](t, err, "")
	f.clock.Advance(30 * time.Second)
	done, err = a.code(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "alice", a.totp(secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
}

func TestMFASetupByEmail(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true, EmailMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeMfaSetup)
	if got := out.ChallengeParameters["MFAS_CAN_SETUP"]; got != `["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]` {
		t.Errorf("MFAS_CAN_SETUP = %s", got)
	}
	next, err := a.respond(types.ChallengeNameTypeMfaSetup, out.Session, map[string]string{"USERNAME": "alice", "EMAIL": "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeEmailOtp)
	if next.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "a***@e***" {
		t.Errorf("challenge parameters = %v", next.ChallengeParameters)
	}
	done, err := a.code(types.ChallengeNameTypeEmailOtp, next.Session, "alice", a.lastCode("alice"))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	// Email MFA is now on for the next sign-in.
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeEmailOtp)
	if box := f.s.Outbox(); len(box) != 2 || box[1].To != "alice@example.org" {
		t.Errorf("outbox = %+v", box)
	}
}

// A signed-in user sets up a software token with the access token
// (`mfa setup`), then turns it on.
func TestSoftwareTokenWithAccessToken(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "OPTIONAL", SoftwareTokenMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()
	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)
	at := out.AuthenticationResult.AccessToken
	_, err = f.client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: at, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "User has not verified software token mfa")
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: at, UserCode: aws.String("123456")})
	wantIDPError[*types.SoftwareTokenMFANotFoundException](t, err, "")

	assoc, err := f.client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: at})
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(assoc.SecretCode)
	if assoc.Session != nil || len(secret) != 32 {
		t.Errorf("AssociateSoftwareToken = %q, %v", secret, assoc.Session)
	}
	_, err = f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: at, UserCode: aws.String(a.totp(secret, 3))})
	wantIDPError[*types.EnableSoftwareTokenMFAException](t, err, "")
	ver, err := f.client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: at, UserCode: aws.String(a.totp(secret, 0))})
	if err != nil || ver.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		t.Fatalf("VerifySoftwareToken = %+v, %v", ver, err)
	}
	// Verified but not enabled: sign-in still needs no MFA.
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)
	_, err = f.client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: at, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err = a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSoftwareTokenMfa)
	f.clock.Advance(30 * time.Second)
	done, err := a.code(types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "alice", a.totp(secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	// Turning it off again.
	_, err = f.client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: done.AuthenticationResult.AccessToken, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, err = a.srp("alice", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)
}

func TestUserPoolMfaConfigWire(t *testing.T) {
	f := newIDPFixture(t)
	ctx := context.Background()
	pool, err := f.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:            aws.String("mfa"),
		DeviceConfiguration: &types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: true},
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("name"), Required: aws.Bool(true), AttributeDataType: types.AttributeDataTypeString},
		},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := pool.UserPool.Id
	desc, err := f.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: id})
	if err != nil {
		t.Fatal(err)
	}
	up := desc.UserPool
	if up.MfaConfiguration != types.UserPoolMfaTypeOff || up.DeviceConfiguration == nil || !up.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt ||
		len(up.SchemaAttributes) != 1 || !aws.ToBool(up.SchemaAttributes[0].Required) ||
		up.Policies.SignInPolicy == nil || len(up.Policies.SignInPolicy.AllowedFirstAuthFactors) != 2 {
		t.Errorf("DescribeUserPool = %+v", up)
	}
	_, err = f.client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: id, MfaConfiguration: types.UserPoolMfaTypeOn})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	set, err := f.client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: id, MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if set.MfaConfiguration != types.UserPoolMfaTypeOptional || !set.SoftwareTokenMfaConfiguration.Enabled || set.SmsMfaConfiguration == nil {
		t.Errorf("SetUserPoolMfaConfig = %+v", set)
	}
	got, err := f.client.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: id})
	if err != nil {
		t.Fatal(err)
	}
	if got.MfaConfiguration != types.UserPoolMfaTypeOptional || !got.SoftwareTokenMfaConfiguration.Enabled ||
		aws.ToString(got.SmsMfaConfiguration.SmsAuthenticationMessage) != "Your code is {####}" || got.EmailMfaConfiguration != nil {
		t.Errorf("GetUserPoolMfaConfig = %+v", got)
	}
	desc, err = f.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: id})
	if err != nil || desc.UserPool.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Errorf("DescribeUserPool MfaConfiguration = %v, %v", desc.UserPool.MfaConfiguration, err)
	}
	_, err = f.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("bad"),
		Schema:   []types.SchemaAttributeType{{Name: aws.String("team"), Required: aws.Bool(true)}},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "Required custom attributes are not supported currently.")
	if _, err := f.s.CreateUserPool(UserPoolConfig{MFA: "ON"}); err == nil {
		t.Error("MFA ON without a factor was accepted")
	}
	if _, err := f.s.CreateUserPool(UserPoolConfig{Devices: "sometimes"}); err == nil {
		t.Error("Devices \"sometimes\" was accepted")
	}
	if _, err := f.s.CreateUserPool(UserPoolConfig{FirstAuthFactors: []string{"EMAIL_OTP"}}); err == nil {
		t.Error("FirstAuthFactors without PASSWORD was accepted")
	}
}

// Codes go to the outbox and to Options.Logf; passwords and tokens never do.
func TestOutboxAndLogf(t *testing.T) {
	var rec logRecorder
	f := newFixtureWith(t, Options{Logf: rec.Logf})
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true, UsernameAttributes: []string{"email"}}, ClientConfig{ExplicitAuthFlows: allFlows})
	sub, err := f.s.CreateUser(a.poolID, "carol@example.com", goodPassword, map[string]string{"phone_number": "+15550001111"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.s.LastCode(a.poolID, "carol@example.com"); ok {
		t.Fatal("LastCode before any code was sent")
	}
	init, err := a.password("carol@example.com", goodPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, init.ChallengeName, init.Session, types.ChallengeNameTypeSmsMfa)
	code, ok := f.s.LastCode(a.poolID, "carol@example.com")
	if !ok {
		t.Fatal("LastCode by email found nothing")
	}
	if c2, _ := f.s.LastCode(a.poolID, sub); c2 != code {
		t.Errorf("LastCode by sub = %q; want %q", c2, code)
	}
	want := "code " + code + " sent by SMS to +15550001111 for " + sub + " (MFA)"
	if !strings.Contains(rec.all(), want) {
		t.Errorf("Logf lines:\n%s\nwant a line %q", rec.all(), want)
	}
	done, err := a.code(types.ChallengeNameTypeSmsMfa, init.Session, "carol@example.com", code)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	logs := rec.all()
	for _, secret := range []string{goodPassword, aws.ToString(done.AuthenticationResult.AccessToken), aws.ToString(done.AuthenticationResult.RefreshToken)} {
		if strings.Contains(logs, secret) {
			t.Errorf("Logf saw a secret: %s", logs)
		}
	}
	if _, ok := f.s.LastCode(a.poolID, "nobody"); ok {
		t.Error("LastCode for an unknown user")
	}
}

// Malformed or hostile input to the new operations is an AWS error, never a
// panic or a 500.
func TestChallengeOpsMalformedInput(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true, SoftwareTokenMFA: true, Devices: "always",
		FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "ü@ß.example", "phone_number": "+1"})
	init, err := a.password("alice", goodPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.ToString(init.Session)
	bodies := []string{
		`{}`, `[]`, `{"AccessToken":"x.y.z"}`, `{"Session":"` + sess + `"}`, `{"Session":"` + sess + `","UserCode":"123456"}`,
		`{"ClientId":"` + a.clientID + `"}`, `{"ClientId":"` + a.clientID + `","Username":"alice"}`,
		`{"ClientId":"` + a.clientID + `","ChallengeName":"DEVICE_PASSWORD_VERIFIER","Session":"` + sess + `","ChallengeResponses":{"USERNAME":"alice"}}`,
		`{"ClientId":"` + a.clientID + `","ChallengeName":"SMS_MFA","Session":"` + sess + `","ChallengeResponses":{"USERNAME":"alice","SMS_MFA_CODE":"` + strings.Repeat("9", 5000) + `"}}`,
		`{"ClientId":"` + a.clientID + `","ChallengeName":"DEVICE_SRP_AUTH","Session":"` + sess + `","ChallengeResponses":{"USERNAME":"alice","DEVICE_KEY":"k","SRP_A":"00"}}`,
		`{"ClientId":"` + a.clientID + `","AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"alice","PREFERRED_CHALLENGE":"PASSWORD_SRP","SRP_A":"zz"}}`,
		`{"ClientId":"` + a.clientID + `","AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"alice","PREFERRED_CHALLENGE":"EMAIL_OTP"}}`,
		`{"ClientId":"` + a.clientID + `","AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"alice"}}`,
		`{"ClientId":"` + a.clientID + `","AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":"x","DEVICE_KEY":"y"}}`,
		`{"UserPoolId":"` + a.poolID + `","MfaConfiguration":"MAYBE"}`,
		`{"UserPoolId":"` + a.poolID + `","Username":"alice","SMSMfaSettings":{"Enabled":false,"PreferredMfa":true}}`,
		`{"UserPoolId":"` + a.poolID + `","Username":"alice","Limit":-1}`,
		`{"UserPoolId":"` + a.poolID + `","Username":"alice","DeviceKey":"nope"}`,
	}
	ops := []string{"SetUserPoolMfaConfig", "GetUserPoolMfaConfig", "AdminSetUserMFAPreference", "SetUserMFAPreference",
		"AssociateSoftwareToken", "VerifySoftwareToken", "ConfirmDevice", "UpdateDeviceStatus", "ListDevices", "GetDevice",
		"ForgetDevice", "AdminListDevices", "AdminGetDevice", "AdminForgetDevice", "AdminUpdateDeviceStatus",
		"ForgotPassword", "ConfirmForgotPassword", "ChangePassword", "InitiateAuth", "RespondToAuthChallenge"}
	for _, op := range ops {
		for _, body := range bodies {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
			f.s.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Errorf("%s %.80s = %d %s", op, body, rec.Code, rec.Body)
			}
		}
	}
	if got := maskEmail("ü@ß.example"); got != "ü***@ß***" {
		t.Errorf("maskEmail = %q", got)
	}
}
