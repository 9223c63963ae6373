package cognitotest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestUserAuthPreferredChallenge(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"}}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "alice@example.com", "phone_number": "+15555551234"})
	userAuth := func(params map[string]string) (*cip.InitiateAuthOutput, error) {
		params["USERNAME"] = "alice"
		return a.initiate(types.AuthFlowTypeUserAuth, params)
	}

	// PASSWORD: tokens at once.
	out, err := userAuth(map[string]string{"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)
	_, err = userAuth(map[string]string{"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Wrong-pass-1"})
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// PASSWORD_SRP: PASSWORD_VERIFIER.
	sc := a.srpClient()
	out, err = userAuth(map[string]string{"PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": sc.A()})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypePasswordVerifier)
	done, err := a.answerPasswordVerifier(sc, out.ChallengeParameters, out.Session, goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	// EMAIL_OTP and SMS_OTP: a code.
	for _, c := range []struct {
		pref, medium, dest string
		name               types.ChallengeNameType
	}{
		{"EMAIL_OTP", "EMAIL", "a***@e***", types.ChallengeNameTypeEmailOtp},
		{"SMS_OTP", "SMS", "+*******1234", types.ChallengeNameTypeSmsOtp},
	} {
		out, err = userAuth(map[string]string{"PREFERRED_CHALLENGE": c.pref})
		if err != nil {
			t.Fatal(err)
		}
		wantChallenge(t, out.ChallengeName, out.Session, c.name)
		if out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != c.medium || out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != c.dest {
			t.Errorf("%s parameters = %v", c.pref, out.ChallengeParameters)
		}
		box := f.s.Outbox()
		if m := box[len(box)-1]; m.Purpose != PurposeSignInOTP || m.Medium != c.medium {
			t.Errorf("message = %+v", m)
		}
		_, err = a.code(c.name, out.Session, "alice", "0000000")
		wantIDPError[*types.CodeMismatchException](t, err, "")
		done, err = a.code(c.name, out.Session, "alice", a.lastCode("alice"))
		if err != nil {
			t.Fatalf("%s: %v", c.pref, err)
		}
		wantTokens(t, done.AuthenticationResult)
	}

	// The client must allow USER_AUTH.
	noUA, _, err := f.s.CreateUserPoolClient(a.poolID, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserAuth, ClientId: &noUA, AuthParameters: map[string]string{"USERNAME": "alice"},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "")
}

func TestUserAuthSelectChallenge(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP", "SMS_OTP"}, MFA: "ON", SMSMFA: true}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "alice@example.com", "phone_number": "+15555551234"})
	a.user("nophone", goodPassword, map[string]string{"email": "np@example.com", "phone_number": "+15555550001", "phone_number_verified": "false"})

	start := func(user string) *cip.InitiateAuthOutput {
		t.Helper()
		out, err := a.initiate(types.AuthFlowTypeUserAuth, map[string]string{"USERNAME": user})
		if err != nil {
			t.Fatal(err)
		}
		wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeSelectChallenge)
		return out
	}
	out := start("alice")
	if got := strings.Join(challengeNames(out.AvailableChallenges), ","); got != "PASSWORD,PASSWORD_SRP,EMAIL_OTP,SMS_OTP" {
		t.Errorf("AvailableChallenges = %s", got)
	}
	if got := strings.Join(challengeNames(start("nophone").AvailableChallenges), ","); got != "PASSWORD,PASSWORD_SRP,EMAIL_OTP" {
		t.Errorf("AvailableChallenges without a verified phone = %s", got)
	}
	// A preferred challenge the user cannot use falls back to SELECT_CHALLENGE.
	pref, err := a.initiate(types.AuthFlowTypeUserAuth, map[string]string{"USERNAME": "nophone", "PREFERRED_CHALLENGE": "SMS_OTP"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, pref.ChallengeName, pref.Session, types.ChallengeNameTypeSelectChallenge)

	_, err = a.respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "WEB_AUTHN"})
	wantIDPError[*types.InvalidParameterException](t, err, "")

	// ANSWER PASSWORD: the password step, then MFA (the pool requires it).
	next, err := a.respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeSmsMfa)
	done, err := a.code(types.ChallengeNameTypeSmsMfa, next.Session, "alice", a.lastCode("alice"))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	// ANSWER PASSWORD_SRP.
	out = start("alice")
	sc := a.srpClient()
	next, err = a.respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "PASSWORD_SRP", "SRP_A": sc.A()})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypePasswordVerifier)
	done, err = a.answerPasswordVerifier(sc, next.ChallengeParameters, next.Session, goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, done.ChallengeName, done.Session, types.ChallengeNameTypeSmsMfa)

	// ANSWER EMAIL_OTP: passwordless, so no MFA after it.
	out = start("alice")
	next, err = a.respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "EMAIL_OTP"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeEmailOtp)
	done, err = a.code(types.ChallengeNameTypeEmailOtp, next.Session, "alice", a.lastCode("alice"))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	// The SELECT_CHALLENGE session was spent.
	_, err = a.respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "alice", "ANSWER": "EMAIL_OTP"})
	wantIDPError[*types.NotAuthorizedException](t, err, "")
}

func challengeNames(cs []types.ChallengeNameType) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// twoQuestions is a CustomAuth that asks two questions and issues tokens
// when both were answered right.
func twoQuestions(s *atomic.Pointer[Server], calls *atomic.Int32) func(CustomAuthRequest) CustomAuthDecision {
	return func(req CustomAuthRequest) CustomAuthDecision {
		calls.Add(1)
		if srv := s.Load(); srv != nil {
			srv.Outbox() // the hook may call the Server: no deadlock
		}
		var custom []CustomAuthStep
		for _, st := range req.Session {
			switch {
			case st.ChallengeName == "CUSTOM_CHALLENGE":
				custom = append(custom, st)
			case !st.Result:
				return CustomAuthDecision{FailAuthentication: true}
			}
		}
		if len(req.Session) > 0 && req.Session[0].ChallengeName == "SRP_A" && len(req.Session) == 1 {
			return CustomAuthDecision{ChallengeName: "PASSWORD_VERIFIER"}
		}
		for _, st := range custom {
			if !st.Result {
				return CustomAuthDecision{FailAuthentication: true}
			}
		}
		switch len(custom) {
		case 0:
			return CustomAuthDecision{ChallengeName: "CUSTOM_CHALLENGE", PublicParameters: map[string]string{"question": "2+2"},
				Correct: func(a string) bool { return a == "4" }}
		case 1:
			return CustomAuthDecision{ChallengeName: "CUSTOM_CHALLENGE", PublicParameters: map[string]string{"question": "3+3"},
				Correct: func(a string) bool { return a == "6" }}
		}
		return CustomAuthDecision{IssueTokens: true}
	}
}

func TestCustomAuth(t *testing.T) {
	var srv atomic.Pointer[Server]
	var calls atomic.Int32
	f := newFixtureWith(t, Options{CustomAuth: twoQuestions(&srv, &calls)})
	srv.Store(f.s)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"phone_number": "+15555551234"})
	answer := func(session *string, ans string) (*cip.RespondToAuthChallengeOutput, error) {
		return a.respond(types.ChallengeNameTypeCustomChallenge, session, map[string]string{"USERNAME": "alice", "ANSWER": ans})
	}

	out, err := a.initiate(types.AuthFlowTypeCustomAuth, map[string]string{"USERNAME": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeCustomChallenge)
	if out.ChallengeParameters["question"] != "2+2" || out.ChallengeParameters["USERNAME"] != "alice" {
		t.Errorf("parameters = %v", out.ChallengeParameters)
	}
	next, err := answer(out.Session, "4")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeCustomChallenge)
	if next.ChallengeParameters["question"] != "3+3" {
		t.Errorf("second question = %v", next.ChallengeParameters)
	}
	done, err := answer(next.Session, "6")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult) // no MFA after a custom flow
	if calls.Load() != 3 {
		t.Errorf("CustomAuth called %d times; want 3", calls.Load())
	}

	// A wrong answer fails the sign-in; the session is spent.
	out, err = a.initiate(types.AuthFlowTypeCustomAuth, map[string]string{"USERNAME": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = answer(out.Session, "5")
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	_, err = answer(out.Session, "4")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")

	// SRP first: CHALLENGE_NAME=SRP_A, PASSWORD_VERIFIER, then the questions.
	sc := a.srpClient()
	out, err = a.initiate(types.AuthFlowTypeCustomAuth, map[string]string{"USERNAME": "alice", "SRP_A": sc.A(), "CHALLENGE_NAME": "SRP_A"})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypePasswordVerifier)
	next, err = a.answerPasswordVerifier(sc, out.ChallengeParameters, out.Session, goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeCustomChallenge)
	if next, err = answer(next.Session, "4"); err != nil {
		t.Fatal(err)
	}
	if done, err = answer(next.Session, "6"); err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
}

func TestCustomAuthNotConfigured(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	_, err := a.initiate(types.AuthFlowTypeCustomAuth, map[string]string{"USERNAME": "alice"})
	wantIDPError[*types.InvalidParameterException](t, err, "Custom auth lambda trigger is not configured for the user pool.")

	// A CustomAuth that panics is an error, not a crash.
	g := newFixtureWith(t, Options{CustomAuth: func(CustomAuthRequest) CustomAuthDecision { panic("boom") }})
	b := newFlow(t, g, UserPoolConfig{}, ClientConfig{ExplicitAuthFlows: allFlows})
	b.user("alice", goodPassword, nil)
	_, err = b.initiate(types.AuthFlowTypeCustomAuth, map[string]string{"USERNAME": "alice"})
	wantIDPError[*types.UnexpectedLambdaException](t, err, "")
	// and the server still works.
	if out, err := b.srp("alice", goodPassword, ""); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("after a panicking CustomAuth: %+v, %v", out, err)
	}
}
