package cognitotest

import (
	"fmt"
	"maps"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// This file holds the choice-based sign-in (USER_AUTH: PASSWORD,
// PASSWORD_SRP, EMAIL_OTP, SMS_OTP, SELECT_CHALLENGE) and CUSTOM_AUTH, whose
// challenges a Go function (Options.CustomAuth) decides.

// First factors of USER_AUTH, as PREFERRED_CHALLENGE and ANSWER name them.
const (
	factorPassword    = "PASSWORD"
	factorPasswordSRP = "PASSWORD_SRP"
	factorEmailOTP    = "EMAIL_OTP"
	factorSMSOTP      = "SMS_OTP"
	factorWebAuthn    = "WEB_AUTHN"
)

// availableFirstFactors lists the USER_AUTH challenges u can answer in pool
// p. WEB_AUTHN is never available: the emulator keeps no passkeys.
func (p *userPool) availableFirstFactors(u *poolUser) []string {
	var out []string
	for _, f := range p.firstAuthFactors {
		switch f {
		case factorPassword:
			out = append(out, factorPassword, factorPasswordSRP)
		case factorEmailOTP:
			if u.attrs["email"] != "" && u.attrs["email_verified"] == "true" {
				out = append(out, factorEmailOTP)
			}
		case factorSMSOTP:
			if u.attrs["phone_number"] != "" && u.attrs["phone_number_verified"] == "true" {
				out = append(out, factorSMSOTP)
			}
		}
	}
	return out
}

func (s *Server) initiateUserAuthLocked(c *appClient, p *userPool, params map[string]string) (any, *apiError) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	pref := params["PREFERRED_CHALLENGE"]
	switch pref {
	case "", factorPassword, factorPasswordSRP, factorEmailOTP, factorSMSOTP, factorWebAuthn:
	default:
		return nil, apiErr(errInvalidParameter, "Invalid PREFERRED_CHALLENGE %q", pref)
	}
	if aerr := c.checkSecretHash(username, params["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	u, aerr := s.lookupSignInUser(c, p, username)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return nil, aerr
	}
	st := signInState{deviceKey: params["DEVICE_KEY"]}
	avail := p.availableFirstFactors(u)
	if pref != "" && contains(avail, pref) {
		return s.startFirstFactorLocked(c, p, u, st, pref, params)
	}
	out := s.choiceChallengeLocked(c, p, u, st, challengeSelectChallenge, "", avail)
	out.AvailableChallenges = avail
	return out, nil
}

// startFirstFactorLocked runs the first factor a USER_AUTH sign-in chose;
// params are InitiateAuth's AuthParameters or SELECT_CHALLENGE's answer.
func (s *Server) startFirstFactorLocked(c *appClient, p *userPool, u *poolUser, st signInState, factor string, params map[string]string) (any, *apiError) {
	switch factor {
	case factorPassword:
		pw := params["PASSWORD"]
		if pw == "" {
			return nil, missingParam("PASSWORD")
		}
		if !p.passwordMatches(u, pw) {
			return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
		}
		return s.continueSignInLocked(c, p, u, st)
	case factorPasswordSRP:
		aHex := params["SRP_A"]
		if aHex == "" {
			return nil, missingParam("SRP_A")
		}
		if err := validateA(aHex); err != nil {
			return nil, err
		}
		return s.startPasswordVerifierLocked(c, p, u, aHex, st)
	case factorEmailOTP, factorSMSOTP:
		sess, out := s.startCodeChallengeLocked(c, p, u, st, factor, PurposeSignInOTP, "")
		sess.firstFactor = true
		return out, nil
	}
	return nil, apiErr(errInvalidParameter, "%s is not an available challenge for this user", factor)
}

func (s *Server) respondSelectChallengeLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeSelectChallenge, resp)
	if aerr != nil {
		return nil, aerr
	}
	answer, aerr := choiceAnswerLocked(sess, resp, func(a string) string {
		return a + " is not an available challenge for this user"
	})
	if aerr != nil {
		return nil, aerr
	}
	s.dropSessionLocked(sess.id)
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	return s.startFirstFactorLocked(c, p, u, st, answer, resp)
}

// validateA checks SRP_A from a client.
func validateA(aHex string) *apiError {
	if err := srp.ValidateA(aHex); err != nil {
		return apiErr(errInvalidParameter, "Invalid SRP_A: it must be a hexadecimal number that is not 0 modulo N")
	}
	return nil
}

// ---- CUSTOM_AUTH ----

// CustomAuthRequest is what Options.CustomAuth is asked, modelled on the
// DefineAuthChallenge trigger's event: who signs in and how the challenges
// so far went.
type CustomAuthRequest struct {
	UserPoolID string
	// Username is the user's internal username (USER_ID_FOR_SRP).
	Username string
	// UserAttributes are a copy of the user's attributes (sub, email, …).
	UserAttributes map[string]string
	// Session lists the steps so far: "SRP_A" (CUSTOM_AUTH started with
	// CHALLENGE_NAME=SRP_A), "PASSWORD_VERIFIER" (the password was right),
	// "CUSTOM_CHALLENGE" (Result: whether Correct accepted the answer).
	Session []CustomAuthStep
	// Answer is the answer to the latest custom challenge, "" on the first
	// call.
	Answer string
}

// CustomAuthStep is one step of a custom sign-in.
type CustomAuthStep struct {
	ChallengeName string
	Result        bool
}

// CustomAuthDecision is what Options.CustomAuth decides: fail, issue tokens,
// or ask another challenge. It folds DefineAuthChallenge (what next),
// CreateAuthChallenge (PublicParameters, and the private answer inside
// Correct) and VerifyAuthChallengeResponse (Correct) into one value.
type CustomAuthDecision struct {
	// IssueTokens ends the sign-in successfully (no MFA follows, as in
	// Cognito's custom flow).
	IssueTokens bool
	// FailAuthentication ends it with NotAuthorizedException.
	FailAuthentication bool
	// ChallengeName is the next challenge: "CUSTOM_CHALLENGE", or
	// "PASSWORD_VERIFIER" when the sign-in started with SRP_A.
	ChallengeName string
	// PublicParameters become the CUSTOM_CHALLENGE's ChallengeParameters.
	PublicParameters map[string]string
	// Correct judges the answer to this CUSTOM_CHALLENGE. nil refuses every
	// answer.
	Correct func(answer string) bool
}

// callUnlocked runs f with s.mu released (Options.CustomAuth may call the
// Server, for example LastCode), turning a panic into an error. s.mu is held
// again when it returns.
func (s *Server) callUnlocked(f func()) (err error) {
	s.mu.Unlock()
	defer s.mu.Lock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

func (s *Server) initiateCustomAuthLocked(c *appClient, p *userPool, params map[string]string) (any, *apiError) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if aerr := c.checkSecretHash(username, params["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	if s.opts.CustomAuth == nil {
		return nil, apiErr(errInvalidParameter, "Custom auth lambda trigger is not configured for the user pool.")
	}
	u, aerr := s.lookupSignInUser(c, p, username)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return nil, aerr
	}
	st := signInState{deviceKey: params["DEVICE_KEY"], custom: true}
	var aHex string
	if params["CHALLENGE_NAME"] == "SRP_A" {
		aHex = params["SRP_A"]
		if aHex == "" {
			return nil, missingParam("SRP_A")
		}
		if aerr := validateA(aHex); aerr != nil {
			return nil, aerr
		}
		st.customSteps = []CustomAuthStep{{ChallengeName: "SRP_A", Result: true}}
	}
	return s.customStepLocked(c, p, u, st, "", aHex)
}

// customNextLocked continues a custom sign-in after its PASSWORD_VERIFIER.
func (s *Server) customNextLocked(c *appClient, p *userPool, u *poolUser, st signInState, answer string) (any, *apiError) {
	return s.customStepLocked(c, p, u, st, answer, "")
}

// customStepLocked asks Options.CustomAuth what follows and does it. aHex
// is SRP_A from InitiateAuth, for a PASSWORD_VERIFIER decision.
func (s *Server) customStepLocked(c *appClient, p *userPool, u *poolUser, st signInState, answer, aHex string) (any, *apiError) {
	f := s.opts.CustomAuth
	if f == nil {
		return nil, apiErr(errInvalidParameter, "Custom auth lambda trigger is not configured for the user pool.")
	}
	req := CustomAuthRequest{
		UserPoolID:     p.id,
		Username:       u.username,
		UserAttributes: maps.Clone(u.attrs),
		Session:        append([]CustomAuthStep(nil), st.customSteps...),
		Answer:         answer,
	}
	var d CustomAuthDecision
	if err := s.callUnlocked(func() { d = f(req) }); err != nil {
		return nil, apiErr("UnexpectedLambdaException", "CustomAuth failed: %v", err)
	}
	if p.users[p.key(u.username)] != u || s.userPools[p.id] != p {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	switch {
	case d.FailAuthentication:
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	case d.IssueTokens:
		st.passwordless = true
		return s.continueSignInLocked(c, p, u, st)
	case d.ChallengeName == challengeCustom:
		sess := s.newSessionLocked(c, p, u, challengeCustom)
		sess.st = st
		sess.customCorrect = d.Correct
		sess.srpA = aHex
		params := map[string]string{}
		maps.Copy(params, d.PublicParameters)
		params["USERNAME"] = u.username
		return authOutput{ChallengeName: challengeCustom, ChallengeParameters: params, Session: sess.id}, nil
	case d.ChallengeName == challengePasswordVerifier:
		if aHex == "" {
			return nil, apiErr("InvalidLambdaResponseException", "CustomAuth chose PASSWORD_VERIFIER, which needs CUSTOM_AUTH started with CHALLENGE_NAME=SRP_A and SRP_A")
		}
		return s.startPasswordVerifierLocked(c, p, u, aHex, st)
	}
	return nil, apiErr("InvalidLambdaResponseException", "CustomAuth decided neither IssueTokens, FailAuthentication nor a ChallengeName of CUSTOM_CHALLENGE or PASSWORD_VERIFIER")
}

func (s *Server) respondCustomLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeCustom, resp)
	if aerr != nil {
		return nil, aerr
	}
	answer := resp["ANSWER"]
	if answer == "" {
		return nil, missingParam("ANSWER")
	}
	// One answer per challenge, right or wrong.
	s.dropSessionLocked(sess.id)
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	result := false
	if correct := sess.customCorrect; correct != nil {
		if err := s.callUnlocked(func() { result = correct(answer) }); err != nil {
			return nil, apiErr("UnexpectedLambdaException", "CustomAuth's Correct failed: %v", err)
		}
	}
	st.customSteps = append(append([]CustomAuthStep(nil), st.customSteps...), CustomAuthStep{ChallengeName: challengeCustom, Result: result})
	return s.customStepLocked(c, p, u, st, answer, sess.srpA)
}
