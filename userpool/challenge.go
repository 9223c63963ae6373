package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Challenge names the pool can ask, as Cognito spells them, plus
// ChallengeRememberDevice, which is this package's own question.
const (
	ChallengeNewPasswordRequired = "NEW_PASSWORD_REQUIRED"
	ChallengeSMSMFA              = "SMS_MFA"
	ChallengeSoftwareTokenMFA    = "SOFTWARE_TOKEN_MFA"
	ChallengeEmailOTP            = "EMAIL_OTP"
	ChallengeSMSOTP              = "SMS_OTP"
	ChallengeSelectMFAType       = "SELECT_MFA_TYPE"
	ChallengeMFASetup            = "MFA_SETUP"
	ChallengeSelectChallenge     = "SELECT_CHALLENGE"
	ChallengeCustom              = "CUSTOM_CHALLENGE"
	// ChallengeRememberDevice asks whether to remember this device (the
	// pool lets the user decide). Answer.Remember carries the choice.
	ChallengeRememberDevice = "REMEMBER_DEVICE"
)

// First-factor choices of choice-based sign-in (USER_AUTH).
const (
	FactorPassword    = "PASSWORD"
	FactorPasswordSRP = "PASSWORD_SRP"
	FactorEmailOTP    = "EMAIL_OTP"
	FactorSMSOTP      = "SMS_OTP"
	FactorWebAuthn    = "WEB_AUTHN"
)

// Challenge is a question the user pool asks during sign-in.
type Challenge struct {
	// Name is the challenge, one of the Challenge* constants.
	Name string
	// Parameters are the challenge parameters as the pool sent them (for
	// CUSTOM_CHALLENGE, the public parameters to show the user).
	Parameters map[string]string
	// Username is the user's internal username.
	Username string
	// RequiredAttributes lists, for NEW_PASSWORD_REQUIRED, the attributes
	// the pool requires a value for (without "userAttributes.").
	RequiredAttributes []string
	// Destination and DeliveryMedium say where a code was sent
	// ("+*******1234", "SMS") for SMS_MFA, EMAIL_OTP and SMS_OTP.
	Destination, DeliveryMedium string
	// Options are the choices: MFA types for SELECT_MFA_TYPE, first
	// factors for SELECT_CHALLENGE, MFA types for MFA_SETUP.
	Options []string
	// TOTPSecret is, for MFA_SETUP, the new authenticator secret (base32)
	// to show; TOTPURI is the otpauth:// URI for a QR code. Both are
	// secrets.
	TOTPSecret, TOTPURI string
	// Attempt counts answers to this challenge already refused (a wrong
	// code leaves the challenge open for another try).
	Attempt int
	// KnownDevice is set on REMEMBER_DEVICE when the device was confirmed
	// by an earlier sign-in but not remembered: a handler would usually
	// only act on an explicit wish, not ask again at every sign-in.
	KnownDevice bool
}

// Answer is a ChallengeHandler's reply; only the fields the challenge
// needs are read.
type Answer struct {
	// NewPassword answers NEW_PASSWORD_REQUIRED.
	NewPassword string
	// Attributes are values for RequiredAttributes.
	Attributes map[string]string
	// Code answers SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_OTP, the
	// first TOTP code of MFA_SETUP, and CUSTOM_CHALLENGE.
	Code string
	// Choice answers SELECT_MFA_TYPE and SELECT_CHALLENGE (one of Options)
	// and MFA_SETUP (the MFA type to set up).
	Choice string
	// DeviceName names the authenticator (MFA_SETUP) or this device
	// (REMEMBER_DEVICE).
	DeviceName string
	// Remember answers REMEMBER_DEVICE.
	Remember bool
}

// String redacts the secret fields.
func (a Answer) String() string {
	keys := make([]string, 0, len(a.Attributes))
	for k := range a.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("Answer{Choice:%q Remember:%v Attributes:%v NewPassword:[redacted] Code:[redacted]}", a.Choice, a.Remember, keys)
}

// String redacts the TOTP secret.
func (c Challenge) String() string {
	return fmt.Sprintf("Challenge{Name:%s Username:%q Options:%v Destination:%q TOTPSecret:[redacted]}", c.Name, c.Username, c.Options, c.Destination)
}

// GoString redacts like String, so that %#v does not print the secret.
func (c Challenge) GoString() string { return c.String() }

// GoString redacts like String, so that %#v does not print the code or
// the new password.
func (a Answer) GoString() string { return a.String() }

// ChallengeHandler answers a challenge. The library calls it; a terminal
// implementation lives in the CLI. Returning an error stops the sign-in
// with that error; returning ErrNoAnswer (or an error wrapping it) stops
// it with a *ChallengeError carrying the Pending state, so that the
// sign-in can be resumed later with Client.Resume.
type ChallengeHandler func(ctx context.Context, ch *Challenge) (*Answer, error)

// ErrNoAnswer is what a handler returns when it has no answer now (for
// example, a script that was not given an MFA code).
var ErrNoAnswer = errors.New("no answer given")

// ErrPasskeyNeedsBrowser: the only way left to sign in is a passkey
// (WEB_AUTHN), which needs a browser or the operating system's passkey
// support, not a command-line program.
var ErrPasskeyNeedsBrowser = errors.New("passkeys (WEB_AUTHN) need a browser: choose another sign-in method, or ask the administrator to allow one")

// ChallengeError is returned when the pool asks a challenge that was not
// answered. Pending, when set, lets Client.Resume continue the same
// sign-in within Cognito's session lifetime (three minutes).
type ChallengeError struct {
	Challenge string
	Reason    string
	Pending   *Pending
}

func (e *ChallengeError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("the user pool asks %s: %s", e.Challenge, e.Reason)
	}
	return fmt.Sprintf("the user pool asks %s and no answer was given", e.Challenge)
}

// Unwrap lets errors.Is(err, ErrNoAnswer) match.
func (e *ChallengeError) Unwrap() error { return ErrNoAnswer }

// Pending is an unanswered challenge, enough to resume the sign-in in
// another process. Session is a secret (it stands for a half-finished
// sign-in); String redacts it.
type Pending struct {
	Challenge  string            `json:"challenge"`
	Session    string            `json:"session"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Username   string            `json:"username"`
	LoginName  string            `json:"login_name"`
	Options    []string          `json:"options,omitempty"`
}

// String redacts the session.
func (p Pending) String() string {
	return fmt.Sprintf("Pending{Challenge:%s Username:%q Session:[redacted]}", p.Challenge, p.Username)
}

// GoString redacts like String, so that %#v does not print the session.
func (p Pending) GoString() string { return p.String() }

// requiredAttributes decodes the JSON list in the requiredAttributes
// challenge parameter, dropping the "userAttributes." prefix.
func requiredAttributes(s string) ([]string, error) {
	return jsonList("requiredAttributes", s, "userAttributes.")
}

// jsonList decodes a challenge parameter holding a JSON list of strings.
func jsonList(name, s, trimPrefix string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("challenge parameter %s is not a JSON list of names", name)
	}
	for i, a := range list {
		list[i] = strings.TrimPrefix(a, trimPrefix)
	}
	return list, nil
}

// OTPAuthURI is the otpauth:// URI an authenticator app scans to add a TOTP
// secret (Key Uri Format): issuer and account label the entry.
func OTPAuthURI(secret, issuer, account string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
