package cognitotest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// This file holds MFA: the pool's MfaConfiguration, the users' MFA
// preferences and software tokens, and the MFA challenges (SMS_MFA,
// SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE, MFA_SETUP). The codes they
// send land in the outbox (outbox.go).

// MfaConfiguration values.
const (
	mfaOff      = "OFF"
	mfaOn       = "ON"
	mfaOptional = "OPTIONAL"
)

// maxCodeTries is how many wrong codes a challenge session takes before it
// is spent.
const maxCodeTries = 3

// mfaConfig is a pool's MFA configuration as SetUserPoolMfaConfig sets it.
type mfaConfig struct {
	mode                     string
	sms, totp, email         bool
	smsMessage               string
	emailMessage, emailTitle string
}

func (m *mfaConfig) validate() *apiError {
	if m.mode == "" {
		m.mode = mfaOff
	}
	switch m.mode {
	case mfaOff:
	case mfaOn, mfaOptional:
		if !m.sms && !m.totp && !m.email {
			return apiErr(errInvalidParameter, "At least one MFA factor (SMS, software token or email) must be enabled when MfaConfiguration is %s", m.mode)
		}
	default:
		return apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", m.mode)
	}
	if m.smsMessage != "" && !strings.Contains(m.smsMessage, "{####}") {
		return apiErr(errInvalidParameter, "SmsAuthenticationMessage must contain {####}")
	}
	if m.emailMessage != "" && !strings.Contains(m.emailMessage, "{####}") {
		return apiErr(errInvalidParameter, "EmailMfaConfiguration.Message must contain {####}")
	}
	return nil
}

func (p *userPool) setMFAConfig(m mfaConfig) {
	if m.mode == "" {
		m.mode = mfaOff
	}
	p.mfa = m.mode
	p.smsMFA, p.totpMFA, p.emailMFA = m.sms, m.totp, m.email
	p.smsAuthMessage = m.smsMessage
	p.emailMFAMessage, p.emailMFASub = m.emailMessage, m.emailTitle
}

// ---- SetUserPoolMfaConfig / GetUserPoolMfaConfig ----

type smsMfaConfigJSON struct {
	SmsAuthenticationMessage string          `json:",omitempty"`
	SmsConfiguration         json.RawMessage `json:",omitempty"`
}

type emailMfaConfigJSON struct {
	Message string `json:",omitempty"`
	Subject string `json:",omitempty"`
}

type setUserPoolMfaConfigInput struct {
	UserPoolId                    string
	MfaConfiguration              string
	SmsMfaConfiguration           *smsMfaConfigJSON
	SoftwareTokenMfaConfiguration *struct{ Enabled bool }
	EmailMfaConfiguration         *emailMfaConfigJSON
}

// opSetUserPoolMfaConfig replaces the pool's MFA configuration: a factor
// whose configuration is left out is turned off, as in Cognito.
func (s *Server) opSetUserPoolMfaConfig(in *setUserPoolMfaConfigInput) (any, *apiError) {
	p, aerr := s.poolLocked(in.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	m := mfaConfig{mode: in.MfaConfiguration}
	if m.mode == "" {
		m.mode = p.mfa
	}
	if in.SmsMfaConfiguration != nil {
		m.sms = true
		m.smsMessage = in.SmsMfaConfiguration.SmsAuthenticationMessage
	}
	if in.SoftwareTokenMfaConfiguration != nil {
		m.totp = in.SoftwareTokenMfaConfiguration.Enabled
	}
	if in.EmailMfaConfiguration != nil {
		m.email = true
		m.emailMessage = in.EmailMfaConfiguration.Message
		m.emailTitle = in.EmailMfaConfiguration.Subject
	}
	if aerr := m.validate(); aerr != nil {
		return nil, aerr
	}
	p.setMFAConfig(m)
	return p.mfaConfigJSON(), nil
}

func (s *Server) opGetUserPoolMfaConfig(in *userPoolIDInput) (any, *apiError) {
	p, aerr := s.poolLocked(in.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	return p.mfaConfigJSON(), nil
}

func (p *userPool) mfaConfigJSON() map[string]any {
	out := map[string]any{
		"MfaConfiguration":              p.mfa,
		"SoftwareTokenMfaConfiguration": map[string]bool{"Enabled": p.totpMFA},
	}
	if p.smsMFA {
		out["SmsMfaConfiguration"] = smsMfaConfigJSON{SmsAuthenticationMessage: p.smsAuthMessage}
	}
	if p.emailMFA {
		out["EmailMfaConfiguration"] = emailMfaConfigJSON{Message: p.emailMFAMessage, Subject: p.emailMFASub}
	}
	return out
}

// ---- per-user MFA preferences ----

type mfaSettingsJSON struct {
	Enabled      bool
	PreferredMfa bool
}

type mfaPreferences struct {
	SMSMfaSettings           *mfaSettingsJSON
	SoftwareTokenMfaSettings *mfaSettingsJSON
	EmailMfaSettings         *mfaSettingsJSON
}

// applyMFAPreferenceLocked sets a user's MFA preferences. A factor whose
// settings are nil is left as it is. Everything is checked before anything
// changes.
func (s *Server) applyMFAPreferenceLocked(u *poolUser, prefs mfaPreferences) *apiError {
	type factor struct {
		name    string
		set     *mfaSettingsJSON
		enabled *bool
	}
	factors := []factor{
		{challengeSMSMFA, prefs.SMSMfaSettings, &u.smsMFA},
		{challengeTOTPMFA, prefs.SoftwareTokenMfaSettings, &u.totpMFA},
		{challengeEmailOTP, prefs.EmailMfaSettings, &u.emailMFA},
	}
	preferred := 0
	for _, f := range factors {
		if f.set == nil {
			continue
		}
		if f.set.PreferredMfa {
			preferred++
			if !f.set.Enabled {
				return apiErr(errInvalidParameter, "%s cannot be preferred without being enabled", f.name)
			}
		}
		if !f.set.Enabled {
			continue
		}
		switch f.name {
		case challengeSMSMFA:
			if u.attrs["phone_number"] == "" {
				return apiErr(errInvalidParameter, "User does not have delivery config set to turn on SMS_MFA")
			}
		case challengeTOTPMFA:
			if u.totpSecret == "" {
				return apiErr(errInvalidParameter, "User has not verified software token mfa")
			}
		case challengeEmailOTP:
			if u.attrs["email"] == "" {
				return apiErr(errInvalidParameter, "User does not have delivery config set to turn on EMAIL_OTP")
			}
		}
	}
	if preferred > 1 {
		return apiErr(errInvalidParameter, "Only one MFA method can be preferred")
	}
	for _, f := range factors {
		if f.set == nil {
			continue
		}
		*f.enabled = f.set.Enabled
		switch {
		case f.set.PreferredMfa:
			u.preferredMFA = f.name
		case u.preferredMFA == f.name:
			u.preferredMFA = ""
		}
	}
	u.modified = s.now()
	return nil
}

type adminSetUserMFAPreferenceInput struct {
	UserPoolId string
	Username   string
	mfaPreferences
}

func (s *Server) opAdminSetUserMFAPreference(in *adminSetUserMFAPreferenceInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.applyMFAPreferenceLocked(u, in.mfaPreferences); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

type setUserMFAPreferenceInput struct {
	AccessToken string
	mfaPreferences
}

func (s *Server) opSetUserMFAPreference(in *setUserMFAPreferenceInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.applyMFAPreferenceLocked(u, in.mfaPreferences); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

// addMFASettings adds GetUser's and AdminGetUser's UserMFASettingList and
// PreferredMfaSetting.
func (u *poolUser) addMFASettings(out map[string]any) {
	var list []string
	if u.smsMFA {
		list = append(list, challengeSMSMFA)
	}
	if u.totpMFA {
		list = append(list, challengeTOTPMFA)
	}
	if u.emailMFA {
		list = append(list, challengeEmailOTP)
	}
	if len(list) > 0 {
		out["UserMFASettingList"] = list
	}
	if u.preferredMFA != "" {
		out["PreferredMfaSetting"] = u.preferredMFA
	}
}

// ---- the MFA step of a sign-in ----

// mfaPlan is what MFA a sign-in of u needs: one of the factors, or (MFA ON
// and none usable) setting one up.
type mfaPlan struct {
	factors   []string // enabled and usable, in SMS, TOTP, email order
	preferred string
	setup     []string // MFAS_CAN_SETUP when non-empty
}

func (p *userPool) mfaPlanFor(u *poolUser) mfaPlan {
	var plan mfaPlan
	if p.mfa != mfaOn && p.mfa != mfaOptional {
		return plan
	}
	phone, email := u.attrs["phone_number"], u.attrs["email"]
	if p.smsMFA && u.smsMFA && phone != "" {
		plan.factors = append(plan.factors, challengeSMSMFA)
	}
	if p.totpMFA && u.totpMFA && u.totpSecret != "" {
		plan.factors = append(plan.factors, challengeTOTPMFA)
	}
	if p.emailMFA && u.emailMFA && email != "" {
		plan.factors = append(plan.factors, challengeEmailOTP)
	}
	if len(plan.factors) == 0 && p.mfa == mfaOn {
		// Required MFA: a user with a phone number gets SMS MFA without
		// opting in; anyone else must set a factor up.
		if p.smsMFA && phone != "" {
			plan.factors = []string{challengeSMSMFA}
			return plan
		}
		if p.totpMFA {
			plan.setup = append(plan.setup, challengeTOTPMFA)
		}
		if p.emailMFA {
			plan.setup = append(plan.setup, challengeEmailOTP)
		}
		if len(plan.setup) == 0 {
			plan.setup = []string{challengeSMSMFA}
		}
	}
	if contains(plan.factors, u.preferredMFA) {
		plan.preferred = u.preferredMFA
	}
	return plan
}

// mfaChallengeLocked returns the MFA challenge a sign-in of u gets, if any.
func (s *Server) mfaChallengeLocked(c *appClient, p *userPool, u *poolUser, st signInState) (authOutput, bool) {
	plan := p.mfaPlanFor(u)
	switch {
	case len(plan.setup) > 0:
		return s.choiceChallengeLocked(c, p, u, st, challengeMFASetup, "MFAS_CAN_SETUP", plan.setup), true
	case len(plan.factors) == 0:
		return authOutput{}, false
	case len(plan.factors) == 1:
		_, out := s.startCodeChallengeLocked(c, p, u, st, plan.factors[0], PurposeMFA, "")
		return out, true
	case plan.preferred != "":
		_, out := s.startCodeChallengeLocked(c, p, u, st, plan.preferred, PurposeMFA, "")
		return out, true
	}
	return s.choiceChallengeLocked(c, p, u, st, challengeSelectMFA, "MFAS_CAN_CHOOSE", plan.factors), true
}

// choiceChallengeLocked opens a challenge that offers choices (MFA_SETUP,
// SELECT_MFA_TYPE, SELECT_CHALLENGE): a session remembering them, and,
// when listParam is set, the choices as a JSON list in that parameter.
func (s *Server) choiceChallengeLocked(c *appClient, p *userPool, u *poolUser, st signInState, name, listParam string, choices []string) authOutput {
	sess := s.newSessionLocked(c, p, u, name)
	sess.st = st
	sess.choices = choices
	params := map[string]string{}
	if listParam != "" {
		b, _ := json.Marshal(choices)
		params[listParam] = string(b)
	}
	return authOutput{ChallengeName: name, ChallengeParameters: params, Session: sess.id}
}

// choiceAnswerLocked reads the ANSWER to a choice challenge and checks it
// is one of the choices offered; notOffered words the refusal.
func choiceAnswerLocked(sess *authSession, resp map[string]string, notOffered func(answer string) string) (string, *apiError) {
	answer := resp["ANSWER"]
	if answer == "" {
		return "", missingParam("ANSWER")
	}
	if !contains(sess.choices, answer) {
		return "", apiErr(errInvalidParameter, "%s", notOffered(answer))
	}
	return answer, nil
}

// startCodeChallengeLocked opens an SMS_MFA, SMS_OTP, EMAIL_OTP or
// SOFTWARE_TOKEN_MFA challenge, sending a code for all but the last. to
// overrides the destination (an MFA_SETUP by email).
func (s *Server) startCodeChallengeLocked(c *appClient, p *userPool, u *poolUser, st signInState, challenge, purpose, to string) (*authSession, authOutput) {
	sess := s.newSessionLocked(c, p, u, challenge)
	sess.st = st
	params := map[string]string{}
	switch challenge {
	case challengeSMSMFA, challengeSMSOTP:
		if to == "" {
			to = u.attrs["phone_number"]
		}
		sess.code = s.sendCodeLocked(p, u, "SMS", to, purpose)
		params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "SMS"
		params["CODE_DELIVERY_DESTINATION"] = maskPhone(to)
	case challengeEmailOTP:
		if to == "" {
			to = u.attrs["email"]
		}
		sess.code = s.sendCodeLocked(p, u, "EMAIL", to, purpose)
		params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "EMAIL"
		params["CODE_DELIVERY_DESTINATION"] = maskEmail(to)
	case challengeTOTPMFA:
		if u.totpName != "" {
			params["FRIENDLY_DEVICE_NAME"] = u.totpName
		}
	}
	if sess.code != "" {
		sess.codeExpires = s.now().Add(codeValidity)
	}
	return sess, authOutput{ChallengeName: challenge, ChallengeParameters: params, Session: sess.id}
}

// challengeSessionLocked finds the session a RespondToAuthChallenge answers
// and checks its USERNAME and SECRET_HASH.
func (s *Server) challengeSessionLocked(c *appClient, p *userPool, sessionID, challenge string, resp map[string]string) (*authSession, *poolUser, *apiError) {
	if sessionID == "" {
		return nil, nil, missingParam("Session")
	}
	username := resp["USERNAME"]
	if username == "" {
		return nil, nil, missingParam("USERNAME")
	}
	sess, aerr := s.sessionLocked(c, sessionID, challenge)
	if aerr != nil {
		return nil, nil, aerr
	}
	u := p.users[p.key(sess.username)]
	if u == nil {
		s.dropSessionLocked(sess.id)
		return nil, nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	if p.findUser(username) != u {
		return nil, nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	if aerr := c.checkSecretHash(username, resp["SECRET_HASH"]); aerr != nil {
		return nil, nil, aerr
	}
	return sess, u, nil
}

var codeResponseKey = map[string]string{
	challengeSMSMFA:   "SMS_MFA_CODE",
	challengeTOTPMFA:  "SOFTWARE_TOKEN_MFA_CODE",
	challengeEmailOTP: "EMAIL_OTP_CODE",
	challengeSMSOTP:   "SMS_OTP_CODE",
}

// respondCodeLocked checks the code answering SMS_MFA, SOFTWARE_TOKEN_MFA,
// EMAIL_OTP or SMS_OTP. A wrong code leaves the session usable for
// maxCodeTries wrong answers in all.
func (s *Server) respondCodeLocked(c *appClient, p *userPool, challenge, sessionID string, resp map[string]string) (any, *apiError) {
	key := codeResponseKey[challenge]
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challenge, resp)
	if aerr != nil {
		return nil, aerr
	}
	code := resp[key]
	if code == "" {
		return nil, missingParam(key)
	}
	now := s.now()
	ok, expired := checkMFACode(u, challenge, code, sess.code, sess.codeExpires, now)
	if expired {
		s.dropSessionLocked(sess.id)
		return nil, apiErr(errNotAuthorized, msgSessionExpired)
	}
	if !ok {
		sess.tries++
		if sess.tries >= maxCodeTries {
			s.dropSessionLocked(sess.id)
		}
		return nil, apiErr(errCodeMismatch, msgInvalidMFACode)
	}
	s.dropSessionLocked(sess.id)
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	if sess.firstFactor {
		st.passwordless = true
	} else {
		st.mfaDone = true
	}
	if sess.setupEmail != "" {
		// MFA_SETUP by email: the address is now the user's, verified, and
		// email MFA is on.
		u.attrs["email"] = sess.setupEmail
		u.attrs["email_verified"] = "true"
		u.emailMFA = true
		if u.preferredMFA == "" {
			u.preferredMFA = challengeEmailOTP
		}
		u.modified = now
	}
	return s.continueSignInLocked(c, p, u, st)
}

// checkMFACode checks an MFA code: for SOFTWARE_TOKEN_MFA by RFC 6238
// against u's secret (each step used once), else against the code sent,
// which has expired at expires. The API's challenges and the hosted UI
// share it.
func checkMFACode(u *poolUser, factor, code, sent string, expires, now time.Time) (ok, expired bool) {
	if factor == challengeTOTPMFA {
		step, ok := checkTOTP(u.totpSecret, code, now, u.totpLastStep)
		if ok {
			u.totpLastStep = step
		}
		return ok, false
	}
	if !now.Before(expires) {
		return false, true
	}
	return subtle.ConstantTimeCompare([]byte(code), []byte(sent)) == 1, false
}

func (s *Server) respondSelectMFALocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeSelectMFA, resp)
	if aerr != nil {
		return nil, aerr
	}
	answer, aerr := choiceAnswerLocked(sess, resp, func(a string) string {
		return fmt.Sprintf("Invalid ANSWER %q: the MFA types to choose from are %s", a, strings.Join(sess.choices, ", "))
	})
	if aerr != nil {
		return nil, aerr
	}
	s.dropSessionLocked(sess.id)
	_, out := s.startCodeChallengeLocked(c, p, u, sess.st, answer, PurposeMFA, "")
	return out, nil
}

// respondMFASetupLocked completes MFA_SETUP: with a software token that
// VerifySoftwareToken accepted for this session, or (email MFA) with the
// address in EMAIL, which then gets an EMAIL_OTP challenge.
func (s *Server) respondMFASetupLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeMFASetup, resp)
	if aerr != nil {
		return nil, aerr
	}
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	if sess.totpVerified {
		s.dropSessionLocked(sess.id)
		u.totpSecret = sess.totpPending
		u.totpName = sess.totpName
		u.totpPending = ""
		if sess.totpStep > u.totpLastStep {
			u.totpLastStep = sess.totpStep
		}
		u.totpMFA = true
		if u.preferredMFA == "" {
			u.preferredMFA = challengeTOTPMFA
		}
		u.modified = s.now()
		st.mfaDone = true
		return s.continueSignInLocked(c, p, u, st)
	}
	if email := resp["EMAIL"]; email != "" && contains(sess.choices, challengeEmailOTP) {
		if !looksLikeEmail(email) {
			return nil, apiErr(errInvalidParameter, "Invalid email address format.")
		}
		s.dropSessionLocked(sess.id)
		next, out := s.startCodeChallengeLocked(c, p, u, st, challengeEmailOTP, PurposeMFA, email)
		next.setupEmail = email
		return out, nil
	}
	return nil, apiErr(errInvalidParameter, "MFA_SETUP needs a software token verified with VerifySoftwareToken for this Session first")
}

// ---- software tokens ----

type associateSoftwareTokenInput struct {
	AccessToken string
	Session     string
}

// setupSessionLocked finds an MFA_SETUP session by id alone (the software
// token calls carry no ClientId).
func (s *Server) setupSessionLocked(id string) (*authSession, *apiError) {
	sess := s.idp.sessions[id]
	if sess == nil || sess.challenge != challengeMFASetup {
		return nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	if !s.now().Before(sess.expires) {
		s.dropSessionLocked(id)
		return nil, apiErr(errNotAuthorized, msgSessionExpired)
	}
	return sess, nil
}

// rotateSessionLocked replaces a session by a copy under a new id with a
// fresh lifetime, as Cognito returns a new Session from each step.
func (s *Server) rotateSessionLocked(sess *authSession) *authSession {
	n := *sess
	s.dropSessionLocked(sess.id)
	n.id = s.newSessionID()
	validity := defaultAuthSessionValidity
	if c := s.appClients[n.clientID]; c != nil {
		validity = c.authSessionValidity
	}
	n.expires = s.now().Add(validity)
	s.idp.sessions[n.id] = &n
	return &n
}

func (s *Server) opAssociateSoftwareToken(in *associateSoftwareTokenInput) (any, *apiError) {
	switch {
	case in.AccessToken != "" && in.Session != "":
		return nil, apiErr(errInvalidParameter, "Only one of AccessToken and Session may be given")
	case in.Session != "":
		sess, aerr := s.setupSessionLocked(in.Session)
		if aerr != nil {
			return nil, aerr
		}
		if !contains(sess.choices, challengeTOTPMFA) {
			return nil, apiErr(errSoftwareTokenNotSet, "Software token MFA is not enabled for the user pool")
		}
		secret := s.newTOTPSecret()
		n := s.rotateSessionLocked(sess)
		n.totpPending, n.totpVerified, n.tries = secret, false, 0
		return map[string]string{"SecretCode": secret, "Session": n.id}, nil
	case in.AccessToken != "":
		p, u, aerr := s.accessTokenUserLocked(in.AccessToken)
		if aerr != nil {
			return nil, aerr
		}
		if !p.totpMFA {
			return nil, apiErr(errSoftwareTokenNotSet, "Software token MFA is not enabled for the user pool")
		}
		u.totpPending = s.newTOTPSecret()
		return map[string]string{"SecretCode": u.totpPending}, nil
	}
	return nil, missingParam("AccessToken or Session")
}

type verifySoftwareTokenInput struct {
	AccessToken        string
	Session            string
	UserCode           string
	FriendlyDeviceName string
}

const msgSoftwareTokenMismatch = "Code mismatch and fail enable Software Token MFA"

func (s *Server) opVerifySoftwareToken(in *verifySoftwareTokenInput) (any, *apiError) {
	if in.UserCode == "" {
		return nil, missingParam("UserCode")
	}
	if len(in.UserCode) != totpDigits || strings.Trim(in.UserCode, "0123456789") != "" {
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+ and have length 6")
	}
	if len(in.FriendlyDeviceName) > 256 {
		return nil, apiErr(errInvalidParameter, "FriendlyDeviceName is too long")
	}
	switch {
	case in.AccessToken != "" && in.Session != "":
		return nil, apiErr(errInvalidParameter, "Only one of AccessToken and Session may be given")
	case in.Session != "":
		sess, aerr := s.setupSessionLocked(in.Session)
		if aerr != nil {
			return nil, aerr
		}
		if sess.totpPending == "" {
			return nil, apiErr(errSoftwareTokenNotSet, "No software token is associated with this session: call AssociateSoftwareToken first")
		}
		step, ok := checkTOTP(sess.totpPending, in.UserCode, s.now(), math.MinInt64)
		if !ok {
			sess.tries++
			if sess.tries >= maxCodeTries {
				s.dropSessionLocked(sess.id)
			}
			return nil, apiErr(errEnableSoftwareToken, msgSoftwareTokenMismatch)
		}
		n := s.rotateSessionLocked(sess)
		n.totpVerified, n.totpStep, n.totpName, n.tries = true, step, in.FriendlyDeviceName, 0
		return map[string]string{"Status": "SUCCESS", "Session": n.id}, nil
	case in.AccessToken != "":
		_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
		if aerr != nil {
			return nil, aerr
		}
		if u.totpPending == "" {
			return nil, apiErr(errSoftwareTokenNotSet, "No software token is associated with the user: call AssociateSoftwareToken first")
		}
		step, ok := checkTOTP(u.totpPending, in.UserCode, s.now(), math.MinInt64)
		if !ok {
			return nil, apiErr(errEnableSoftwareToken, msgSoftwareTokenMismatch)
		}
		u.totpSecret, u.totpPending, u.totpName = u.totpPending, "", in.FriendlyDeviceName
		u.totpLastStep = step
		u.modified = s.now()
		return map[string]string{"Status": "SUCCESS"}, nil
	}
	return nil, missingParam("AccessToken or Session")
}
