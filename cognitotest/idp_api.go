package cognitotest

import (
	"sort"
	"time"
)

// The seeding API: Go calls that set up pools, clients and users without a
// round trip. Each goes through the same code as the matching wire
// operation, so a pool made here behaves exactly like one made with
// CreateUserPool. Errors carry the AWS exception name ("InvalidPasswordException: …").

// UserPoolConfig describes a user pool for CreateUserPool.
type UserPoolConfig struct {
	// Name is the pool's name. Default "cognitotest".
	Name string
	// UsernameAttributes makes people sign in with an email address or
	// phone number instead of a username: "email", "phone_number". The
	// user's internal username is then its sub, which is what SRP uses.
	UsernameAttributes []string
	// AliasAttributes lets people sign in with a verified email, a verified
	// phone number or a preferred_username besides their username.
	AliasAttributes []string
	// MinimumPasswordLength is the policy's minimum length (6–99). Default 8.
	// The policy also requires upper and lower case letters, digits and
	// symbols, as Cognito's default policy does.
	MinimumPasswordLength int

	// MFA is the pool's MfaConfiguration: "OFF" (the default), "OPTIONAL"
	// (users who enabled a factor get MFA) or "ON" (everyone does; users
	// without a factor get MFA_SETUP, except that a user with a phone
	// number gets SMS_MFA when SMSMFA is on).
	MFA string
	// SMSMFA, SoftwareTokenMFA and EmailMFA are the factors the pool
	// enables; with MFA "ON" or "OPTIONAL" at least one must be.
	SMSMFA, SoftwareTokenMFA, EmailMFA bool
	// Devices is the device tracking: "" (none), "always" (a confirmed
	// device is remembered) or "opt-in" (DeviceOnlyRememberedOnUserPrompt:
	// remembered once the user says so with UpdateDeviceStatus).
	Devices string
	// DeviceChallengeRequiredOnNewDevice is DeviceConfiguration's
	// ChallengeRequiredOnNewDevice.
	DeviceChallengeRequiredOnNewDevice bool
	// RequiredAttributes are standard attributes the schema marks required
	// ("name", "email", …); a user with a temporary password who lacks one
	// gives it in answer to NEW_PASSWORD_REQUIRED.
	RequiredAttributes []string
	// FirstAuthFactors is SignInPolicy.AllowedFirstAuthFactors for USER_AUTH:
	// "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN". Default ["PASSWORD"].
	FirstAuthFactors []string
}

// CreateUserPool creates a user pool and returns its id ("<region>_<9 alnum>").
// Usernames in it are case-insensitive, as in pools made in the AWS console.
func (s *Server) CreateUserPool(cfg UserPoolConfig) (userPoolID string, err error) {
	spec := poolSpec{
		name:               cfg.Name,
		usernameAttributes: cfg.UsernameAttributes,
		aliasAttributes:    cfg.AliasAttributes,
		policy:             defaultPasswordPolicy(),
	}
	if spec.name == "" {
		spec.name = "cognitotest"
	}
	if cfg.MinimumPasswordLength != 0 {
		spec.policy.MinimumLength = cfg.MinimumPasswordLength
	}
	spec.mfa = mfaConfig{mode: cfg.MFA, sms: cfg.SMSMFA, totp: cfg.SoftwareTokenMFA, email: cfg.EmailMFA}
	switch cfg.Devices {
	case "":
	case "always", "opt-in":
		spec.devices = &deviceConfig{
			challengeRequiredOnNewDevice: cfg.DeviceChallengeRequiredOnNewDevice,
			onlyRememberedOnUserPrompt:   cfg.Devices == "opt-in",
		}
	default:
		return "", apiErr(errInvalidParameter, "UserPoolConfig.Devices must be \"\", \"always\" or \"opt-in\", not %q", cfg.Devices)
	}
	for _, a := range cfg.RequiredAttributes {
		spec.schema = append(spec.schema, schemaAttribute{name: a, dataType: "String", required: true, mutable: true})
	}
	spec.firstAuthFactors = cfg.FirstAuthFactors
	s.mu.Lock()
	defer s.mu.Unlock()
	p, aerr := s.createUserPoolLocked(spec)
	if aerr != nil {
		return "", aerr
	}
	return p.id, nil
}

// ClientConfig describes an app client for CreateUserPoolClient.
type ClientConfig struct {
	// Name is the client's name. Default "cognitotest".
	Name string
	// GenerateSecret gives the client a secret; requests then need
	// SECRET_HASH.
	GenerateSecret bool
	// ExplicitAuthFlows are the ALLOW_* flows the client may use. Default
	// (nil): ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_CUSTOM_AUTH.
	ExplicitAuthFlows []string
	// IDTokenValidity and AccessTokenValidity default to 1h (range 5m–24h);
	// RefreshTokenValidity defaults to 30 days (range 1h–10 years).
	IDTokenValidity, AccessTokenValidity, RefreshTokenValidity time.Duration
	// RefreshTokenRotation enables refresh token rotation
	// (RefreshTokenRotation.Feature ENABLED): GetTokensFromRefreshToken then
	// returns a new refresh token each time and rotates the submitted one
	// out, and InitiateAuth's REFRESH_TOKEN_AUTH is refused.
	RefreshTokenRotation bool
	// RotationGracePeriod is RetryGracePeriodSeconds: how long a rotated-out
	// refresh token stays usable, so that clients can retry (0–60s, whole
	// seconds; 0 refuses it at once).
	RotationGracePeriod time.Duration

	// The hosted UI (see hostedui.go). CallbackURLs are the redirect_uri
	// values /oauth2/authorize accepts, compared exactly; LogoutURLs the
	// logout_uri values /logout accepts.
	CallbackURLs, LogoutURLs []string
	// AllowedOAuthFlows are "code", "implicit" and "client_credentials".
	// Default ["code"] when CallbackURLs is set, none otherwise. (The
	// emulator's hosted UI serves the code flow only.)
	AllowedOAuthFlows []string
	// AllowedOAuthScopes are the scopes the client may ask for. Default
	// openid, email, profile and aws.cognito.signin.user.admin.
	AllowedOAuthScopes []string
	// SupportedIdentityProviders are the sign-in options of the hosted UI.
	// None means COGNITO (the pool's own users, the only option the
	// emulator can show).
	SupportedIdentityProviders []string
}

// CreateUserPoolClient creates an app client in a pool and returns its id
// and, when cfg.GenerateSecret, its secret.
func (s *Server) CreateUserPoolClient(userPoolID string, cfg ClientConfig) (clientID, clientSecret string, err error) {
	spec := clientSpec{
		name:              cfg.Name,
		generateSecret:    cfg.GenerateSecret,
		explicitAuthFlows: cfg.ExplicitAuthFlows,
		idValidity:        cfg.IDTokenValidity,
		accessValidity:    cfg.AccessTokenValidity,
		refreshValidity:   cfg.RefreshTokenValidity,
		rotationSet:       cfg.RefreshTokenRotation || cfg.RotationGracePeriod != 0,
		rotation:          cfg.RefreshTokenRotation,
		rotationGrace:     cfg.RotationGracePeriod,
		oauth: oauthSettings{
			callbackURLs: cfg.CallbackURLs,
			logoutURLs:   cfg.LogoutURLs,
			flows:        cfg.AllowedOAuthFlows,
			scopes:       cfg.AllowedOAuthScopes,
			providers:    cfg.SupportedIdentityProviders,
		},
	}
	if spec.name == "" {
		spec.name = "cognitotest"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, aerr := s.createClientLocked(userPoolID, spec)
	if aerr != nil {
		return "", "", aerr
	}
	return c.id, c.secret, nil
}

// CreateUser creates a user. temporary=true leaves it in FORCE_CHANGE_PASSWORD (first sign-in gets NEW_PASSWORD_REQUIRED).
//
// password must satisfy the pool's policy. In a pool whose
// UsernameAttributes include "email", username is the email address and
// the user's internal username is the returned sub. An "email" or
// "phone_number" in attrs counts as verified unless attrs says otherwise
// ("email_verified": "false"), so it works as an alias straight away.
func (s *Server) CreateUser(userPoolID, username, password string, attrs map[string]string, temporary bool) (sub string, err error) {
	if password == "" {
		return "", missingParam("Password")
	}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	list := make([]attributeType, 0, len(attrs)+2)
	for _, k := range names {
		list = append(list, attributeType{Name: k, Value: attrs[k]})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, aerr := s.poolLocked(userPoolID)
	if aerr != nil {
		return "", aerr
	}
	for _, a := range []string{"email", "phone_number"} {
		value := attrs[a]
		if value == "" && contains(p.usernameAttributes, a) {
			value = username // createUserLocked files it under a
		}
		if _, set := attrs[a+"_verified"]; value != "" && !set {
			list = append(list, attributeType{Name: a + "_verified", Value: "true"})
		}
	}
	u, aerr := s.createUserLocked(p, userSpec{
		username:  username,
		password:  password,
		attrs:     list,
		temporary: temporary,
	})
	if aerr != nil {
		return "", aerr
	}
	return u.sub, nil
}

// SetUserMFA sets a user's MFA preferences, as AdminSetUserMFAPreference
// does: which factors are enabled and which one (if any: "SMS_MFA",
// "SOFTWARE_TOKEN_MFA", "EMAIL_OTP") is preferred. Enabling SMS needs a
// phone_number, email an email, and the software token a secret (SetTOTPSecret,
// or AssociateSoftwareToken and VerifySoftwareToken).
func (s *Server) SetUserMFA(userPoolID, username string, sms, totp, email bool, preferred string) error {
	switch preferred {
	case "", challengeSMSMFA, challengeTOTPMFA, challengeEmailOTP:
	default:
		return apiErr(errInvalidParameter, "preferred must be \"\", SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP, not %q", preferred)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, aerr := s.adminUserLocked(&adminUserInput{userPoolID, username})
	if aerr != nil {
		return aerr
	}
	aerr = s.applyMFAPreferenceLocked(u, mfaPreferences{
		SMSMfaSettings:           &mfaSettingsJSON{Enabled: sms, PreferredMfa: preferred == challengeSMSMFA},
		SoftwareTokenMfaSettings: &mfaSettingsJSON{Enabled: totp, PreferredMfa: preferred == challengeTOTPMFA},
		EmailMfaSettings:         &mfaSettingsJSON{Enabled: email, PreferredMfa: preferred == challengeEmailOTP},
	})
	if aerr != nil {
		return aerr
	}
	return nil
}

// SetTOTPSecret gives a user a verified software token with the given base32
// secret, as AssociateSoftwareToken followed by VerifySoftwareToken would.
// It does not enable it as an MFA factor: SetUserMFA does. TOTP computes its
// codes.
func (s *Server) SetTOTPSecret(userPoolID, username, secretBase32 string) error {
	if _, err := decodeTOTPSecret(secretBase32); err != nil {
		return apiErr(errInvalidParameter, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, aerr := s.adminUserLocked(&adminUserInput{userPoolID, username})
	if aerr != nil {
		return aerr
	}
	u.totpSecret = secretBase32
	u.totpPending = ""
	u.totpLastStep = 0
	u.modified = s.now()
	return nil
}
