package cognitotest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// This file is the cognito-idp (user pool) half of the emulator: pools, app
// clients, users, InitiateAuth / RespondToAuthChallenge with real SRP, and
// token revocation. Tokens and JWKS are in jwt.go; the exported seeding API
// is in idp_api.go. The other challenges live in mfa.go (MFA and software
// tokens), devices.go (device tracking and device SRP), userauth.go
// (USER_AUTH and CUSTOM_AUTH), password.go (ForgotPassword,
// ChangePassword) and rotation.go (refresh token rotation,
// GetTokensFromRefreshToken); sent codes in outbox.go, TOTP in totp.go.
//
// A sign-in runs: first factor (password, SRP, a one-time code or custom
// challenges) → NEW_PASSWORD_REQUIRED for a temporary password →
// DEVICE_SRP_AUTH for a remembered device → MFA (unless the first factor
// was passwordless or the device proved itself) → tokens, with
// NewDeviceMetadata when the pool tracks devices. continueSignInLocked
// decides each next step from the signInState a challenge session carries.
//
// Locking: every operation runs with s.mu held (see idpOp), so the state
// below needs no lock of its own. The RSA signing key is the exception: it
// is created once, through idpState.keyOnce.

// idpAccountID is the account id that appears in user pool ARNs.
const idpAccountID = "123456789012"

// Cognito's default token lifetimes and the lifetime of a challenge session.
const (
	defaultIDTokenValidity      = time.Hour
	defaultAccessTokenValidity  = time.Hour
	defaultRefreshTokenValidity = 30 * 24 * time.Hour
	defaultAuthSessionValidity  = 3 * time.Minute
	defaultTempPasswordDays     = 7
	// timestampSkew is how far TIMESTAMP may be from the server's clock.
	timestampSkew     = 5 * time.Minute
	maxPasswordLength = 256
)

// User statuses, as Cognito names them.
const (
	statusUnconfirmed         = "UNCONFIRMED"
	statusConfirmed           = "CONFIRMED"
	statusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	statusResetRequired       = "RESET_REQUIRED"
)

// Auth flows as an app client enables them.
const (
	flowAllowSRP         = "ALLOW_USER_SRP_AUTH"
	flowAllowPassword    = "ALLOW_USER_PASSWORD_AUTH"
	flowAllowRefresh     = "ALLOW_REFRESH_TOKEN_AUTH"
	flowAllowCustom      = "ALLOW_CUSTOM_AUTH"
	flowAllowAdminPass   = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	flowAllowUserAuth    = "ALLOW_USER_AUTH"
	flowLegacyPassword   = "USER_PASSWORD_AUTH"
	flowLegacyAdmin      = "ADMIN_NO_SRP_AUTH"
	flowLegacyCustomOnly = "CUSTOM_AUTH_FLOW_ONLY"
)

// defaultExplicitAuthFlows is what Cognito enables when a client is created
// without ExplicitAuthFlows.
var defaultExplicitAuthFlows = []string{flowAllowSRP, flowAllowRefresh, flowAllowCustom}

// Error codes, named as AWS names the exceptions.
const (
	errNotAuthorized          = "NotAuthorizedException"
	errUserNotFound           = "UserNotFoundException"
	errPasswordResetRequired  = "PasswordResetRequiredException"
	errUserNotConfirmed       = "UserNotConfirmedException"
	errInvalidParameter       = "InvalidParameterException"
	errInvalidPassword        = "InvalidPasswordException"
	errResourceNotFound       = "ResourceNotFoundException"
	errUsernameExists         = "UsernameExistsException"
	errAliasExists            = "AliasExistsException"
	errUnauthorized           = "UnauthorizedException"
	errUnsupportedTokenType   = "UnsupportedTokenTypeException"
	errSerialization          = "SerializationException"
	errUnknownOperation       = "UnknownOperationException"
	msgIncorrectCredentials   = "Incorrect username or password."
	msgSessionExpired         = "Invalid session for the user, session is expired."
	msgInvalidSession         = "Invalid session for the user."
	msgUserDisabled           = "User is disabled."
	msgUserDoesNotExist       = "User does not exist."
	msgPasswordResetRequired  = "Password reset required for the user"
	msgRefreshRevoked         = "Refresh Token has been revoked"
	msgInvalidRefresh         = "Invalid Refresh Token"
	msgRefreshExpired         = "Refresh Token has expired"
	msgTempPasswordExpired    = "Temporary password has expired and must be reset by an administrator."
	msgUserNotConfirmed       = "User is not confirmed."
	msgAccessTokenInvalid     = "Invalid Access Token"
	msgAccessTokenExpired     = "Access Token has expired"
	msgAccessTokenRevoked     = "Access Token has been revoked"
	challengePasswordVerifier = "PASSWORD_VERIFIER"
	challengeNewPassword      = "NEW_PASSWORD_REQUIRED"
	challengeSMSMFA           = "SMS_MFA"
	challengeTOTPMFA          = "SOFTWARE_TOKEN_MFA"
	challengeEmailOTP         = "EMAIL_OTP"
	challengeSMSOTP           = "SMS_OTP"
	challengeSelectMFA        = "SELECT_MFA_TYPE"
	challengeMFASetup         = "MFA_SETUP"
	challengeDeviceSRP        = "DEVICE_SRP_AUTH"
	challengeDeviceVerifier   = "DEVICE_PASSWORD_VERIFIER"
	challengeSelectChallenge  = "SELECT_CHALLENGE"
	challengeCustom           = "CUSTOM_CHALLENGE"

	errCodeMismatch        = "CodeMismatchException"
	errExpiredCode         = "ExpiredCodeException"
	errLimitExceeded       = "LimitExceededException"
	errEnableSoftwareToken = "EnableSoftwareTokenMFAException"
	errSoftwareTokenNotSet = "SoftwareTokenMFANotFoundException"
	msgInvalidMFACode      = "Invalid code or auth state for the user."
)

// apiError is an AWS exception: its code becomes __type on the wire.
type apiError struct {
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func apiErr(code, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func missingParam(name string) *apiError {
	return apiErr(errInvalidParameter, "Missing required parameter %s", name)
}

type passwordPolicy struct {
	MinimumLength                 int
	RequireUppercase              bool
	RequireLowercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	TemporaryPasswordValidityDays int
}

// userPool is one user pool and its users.
type userPool struct {
	id                 string
	name               string
	created            time.Time
	usernameAttributes []string // "email", "phone_number"
	aliasAttributes    []string // "email", "phone_number", "preferred_username"
	caseSensitive      bool
	policy             passwordPolicy
	users              map[string]*poolUser // by usernameKey(username)

	// MFA: the pool's MfaConfiguration ("OFF", "ON", "OPTIONAL") and the
	// factors it enables.
	mfa                          string
	smsMFA, totpMFA, emailMFA    bool
	smsAuthMessage               string
	emailMFAMessage, emailMFASub string
	// devices is the DeviceConfiguration; nil when the pool does not track
	// devices.
	devices *deviceConfig
	// schema holds the attributes CreateUserPool's Schema named;
	// requiredAttrs the ones it marked Required.
	schema        []schemaAttribute
	requiredAttrs []string
	// firstAuthFactors is SignInPolicy.AllowedFirstAuthFactors (USER_AUTH).
	firstAuthFactors []string
}

// poolUser is one user. The password itself is not kept: the SRP salt and
// verifier are enough for both SRP and USER_PASSWORD_AUTH.
type poolUser struct {
	username      string // the internal username (the sub in email-as-username pools)
	sub           string
	attrs         map[string]string
	status        string
	enabled       bool
	salt          *big.Int
	verifier      *big.Int
	passwordSetAt time.Time
	created       time.Time
	modified      time.Time

	// MFA preferences (SetUserMFAPreference) and the software token.
	smsMFA, totpMFA, emailMFA bool
	preferredMFA              string // "", "SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"
	totpSecret                string // base32, verified
	totpPending               string // base32, associated but not verified yet
	totpName                  string // FriendlyDeviceName
	totpLastStep              int64  // last time step accepted: codes are single use

	devices map[string]*device // by device key

	// forgot is the pending ForgotPassword / AdminResetUserPassword code.
	forgot *pendingCode
}

// appClient is a user pool app client.
type appClient struct {
	id                         string
	name                       string
	userPoolID                 string
	secret                     string
	explicitAuthFlows          []string
	allowed                    map[string]bool // ALLOW_* names, legacy values mapped
	idValidity                 time.Duration
	accessValidity             time.Duration
	refreshValidity            time.Duration
	authSessionValidity        time.Duration
	preventUserExistenceErrors bool
	created                    time.Time
	// Refresh token rotation (rotation.go): rotationSet when the client was
	// created with RefreshTokenRotation; rotation when it is ENABLED;
	// rotationGrace is RetryGracePeriodSeconds.
	rotationSet   bool
	rotation      bool
	rotationGrace time.Duration
	// The hosted UI (hostedui.go): the OAuth settings of the client.
	oauth oauthSettings
}

// authSession is a pending challenge: a Session string handed to the client
// and, for PASSWORD_VERIFIER, the server half of the SRP exchange.
type authSession struct {
	id            string
	challenge     string
	userPoolID    string
	clientID      string
	username      string // internal username
	expires       time.Time
	srp           *srp.Server
	srpA          string
	secretBlock   []byte
	secretBlockB4 string

	// st is the sign-in so far, carried from challenge to challenge.
	st signInState
	// A code sent for SMS_MFA, EMAIL_OTP or SMS_OTP, and the wrong answers
	// given so far.
	code        string
	codeExpires time.Time
	tries       int
	// firstFactor marks EMAIL_OTP / SMS_OTP as a USER_AUTH first factor
	// rather than MFA.
	firstFactor bool
	// setupEmail is the address an MFA_SETUP answered with EMAIL verifies.
	setupEmail string
	// choices are SELECT_MFA_TYPE's MFAS_CAN_CHOOSE, MFA_SETUP's
	// MFAS_CAN_SETUP or SELECT_CHALLENGE's AvailableChallenges.
	choices []string
	// MFA_SETUP with a software token.
	totpPending  string
	totpVerified bool
	totpStep     int64
	totpName     string
	// CUSTOM_CHALLENGE: how to judge the answer.
	customCorrect func(answer string) bool
	// DEVICE_PASSWORD_VERIFIER: the device being verified.
	deviceKey string
}

// refreshToken is the server-side record of an issued refresh token. Every
// ID and access token carries the originJTI of the refresh token issued with
// it, so revoking the refresh token revokes them too.
type refreshToken struct {
	userPoolID string
	clientID   string
	username   string
	sub        string
	originJTI  string
	authTime   time.Time
	expires    time.Time
	revoked    bool
	// deviceKey is the device the sign-in was bound to, if any: refreshing
	// then needs the same DEVICE_KEY.
	deviceKey string
	// successor is the refresh token that rotation replaced this one with
	// ("" while it is the family's current one); it is then usable until
	// graceEnds. See rotation.go.
	successor string
	graceEnds time.Time
	// scopes are the OAuth scopes a hosted UI sign-in granted (nil for an
	// API sign-in): every access token of the family carries them, and the
	// ID token is only issued with "openid". nonce goes into the first ID
	// token only.
	scopes []string
	nonce  string
}

// idpState is the cognito-idp state that is not per pool.
type idpState struct {
	keyOnce sync.Once
	key     *signingKey
	keyErr  error

	sessions       map[string]*authSession // by Session
	secretBlocks   map[string]string       // SECRET_BLOCK (base64) → Session
	refreshTokens  map[string]*refreshToken
	revokedOrigins map[string]bool // origin_jti of revoked refresh tokens

	outbox      []Message
	pendingLogs []string // lines for Options.Logf, written once s.mu is released

	hosted hostedUIState // hostedui.go
}

func (s *Server) initIDP() {
	s.idp.sessions = map[string]*authSession{}
	s.idp.secretBlocks = map[string]string{}
	s.idp.refreshTokens = map[string]*refreshToken{}
	s.idp.revokedOrigins = map[string]bool{}
	s.idp.hosted.init()
}

// idpOp is one cognito-idp operation: it decodes the body and runs with s.mu
// held.
type idpOp func(s *Server, body []byte) (any, *apiError)

func op[T any](f func(s *Server, in *T) (any, *apiError)) idpOp {
	return func(s *Server, body []byte) (any, *apiError) {
		var in T
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &in); err != nil {
				return nil, apiErr(errSerialization, "request body is not valid JSON for this operation")
			}
		}
		s.mu.Lock()
		defer s.unlockAndLog()
		return f(s, &in)
	}
}

// unlockAndLog releases s.mu and then hands the log lines the operation
// queued to Options.Logf, so that Logf never runs with the lock held.
func (s *Server) unlockAndLog() {
	logs := s.idp.pendingLogs
	s.idp.pendingLogs = nil
	s.mu.Unlock()
	for _, l := range logs {
		s.logf("%s", l)
	}
}

var idpOps map[string]idpOp

func init() {
	idpOps = map[string]idpOp{
		"CreateUserPool":         op((*Server).opCreateUserPool),
		"DescribeUserPool":       op((*Server).opDescribeUserPool),
		"ListUserPools":          op((*Server).opListUserPools),
		"CreateUserPoolClient":   op((*Server).opCreateUserPoolClient),
		"DescribeUserPoolClient": op((*Server).opDescribeUserPoolClient),
		"AdminCreateUser":        op((*Server).opAdminCreateUser),
		"AdminGetUser":           op((*Server).opAdminGetUser),
		"AdminSetUserPassword":   op((*Server).opAdminSetUserPassword),
		"AdminResetUserPassword": op((*Server).opAdminResetUserPassword),
		"AdminDisableUser":       op((*Server).opAdminDisableUser),
		"AdminEnableUser":        op((*Server).opAdminEnableUser),
		"AdminDeleteUser":        op((*Server).opAdminDeleteUser),
		"InitiateAuth":           op((*Server).opInitiateAuth),
		"RespondToAuthChallenge": op((*Server).opRespondToAuthChallenge),
		"RevokeToken":            op((*Server).opRevokeToken),
		"GetUser":                op((*Server).opGetUser),
		"GlobalSignOut":          op((*Server).opGlobalSignOut),
		"AdminUserGlobalSignOut": op((*Server).opAdminUserGlobalSignOut),

		"SetUserPoolMfaConfig":      op((*Server).opSetUserPoolMfaConfig),
		"GetUserPoolMfaConfig":      op((*Server).opGetUserPoolMfaConfig),
		"AdminSetUserMFAPreference": op((*Server).opAdminSetUserMFAPreference),
		"SetUserMFAPreference":      op((*Server).opSetUserMFAPreference),
		"AssociateSoftwareToken":    op((*Server).opAssociateSoftwareToken),
		"VerifySoftwareToken":       op((*Server).opVerifySoftwareToken),

		"ConfirmDevice":           op((*Server).opConfirmDevice),
		"UpdateDeviceStatus":      op((*Server).opUpdateDeviceStatus),
		"ListDevices":             op((*Server).opListDevices),
		"GetDevice":               op((*Server).opGetDevice),
		"ForgetDevice":            op((*Server).opForgetDevice),
		"AdminListDevices":        op((*Server).opAdminListDevices),
		"AdminGetDevice":          op((*Server).opAdminGetDevice),
		"AdminForgetDevice":       op((*Server).opAdminForgetDevice),
		"AdminUpdateDeviceStatus": op((*Server).opAdminUpdateDeviceStatus),

		"ForgotPassword":        op((*Server).opForgotPassword),
		"ConfirmForgotPassword": op((*Server).opConfirmForgotPassword),
		"ChangePassword":        op((*Server).opChangePassword),

		"GetTokensFromRefreshToken": op((*Server).opGetTokensFromRefreshToken),
	}
}

func (s *Server) handleIDP(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	f, ok := idpOps[op]
	if !ok {
		writeJSONError(w, http.StatusBadRequest, errUnknownOperation,
			fmt.Sprintf("cognitotest does not implement AWSCognitoIdentityProviderService.%s", op))
		return
	}
	out, aerr := f(s, body)
	if aerr != nil {
		writeJSONError(w, http.StatusBadRequest, aerr.code, aerr.msg)
		return
	}
	writeJSON(w, out)
}

// ---- wire types ----

type attributeType struct {
	Name  string
	Value string
}

type passwordPolicyJSON struct {
	MinimumLength                 *int  `json:",omitempty"`
	RequireUppercase              *bool `json:",omitempty"`
	RequireLowercase              *bool `json:",omitempty"`
	RequireNumbers                *bool `json:",omitempty"`
	RequireSymbols                *bool `json:",omitempty"`
	TemporaryPasswordValidityDays *int  `json:",omitempty"`
}

type userPoolJSON struct {
	Id                     string
	Name                   string
	Arn                    string
	CreationDate           float64
	LastModifiedDate       float64
	UsernameAttributes     []string `json:",omitempty"`
	AliasAttributes        []string `json:",omitempty"`
	UsernameConfiguration  map[string]bool
	Policies               map[string]any
	MfaConfiguration       string
	DeviceConfiguration    *deviceConfigJSON     `json:",omitempty"`
	SchemaAttributes       []schemaAttributeJSON `json:",omitempty"`
	EstimatedNumberOfUsers int
}

type deviceConfigJSON struct {
	ChallengeRequiredOnNewDevice     bool
	DeviceOnlyRememberedOnUserPrompt bool
}

type schemaAttributeJSON struct {
	Name              string
	AttributeDataType string `json:",omitempty"`
	Required          *bool  `json:",omitempty"`
	Mutable           *bool  `json:",omitempty"`
}

type tokenValidityUnits struct {
	AccessToken  string `json:",omitempty"`
	IdToken      string `json:",omitempty"`
	RefreshToken string `json:",omitempty"`
}

type userPoolClientJSON struct {
	ClientId                   string
	ClientName                 string
	ClientSecret               string `json:",omitempty"`
	UserPoolId                 string
	ExplicitAuthFlows          []string
	CreationDate               float64
	LastModifiedDate           float64
	IdTokenValidity            int64
	AccessTokenValidity        int64
	RefreshTokenValidity       int64
	TokenValidityUnits         tokenValidityUnits
	AuthSessionValidity        int64
	EnableTokenRevocation      bool
	PreventUserExistenceErrors string
	RefreshTokenRotation       *refreshTokenRotationJSON `json:",omitempty"`

	CallbackURLs                    []string `json:",omitempty"`
	LogoutURLs                      []string `json:",omitempty"`
	AllowedOAuthFlows               []string `json:",omitempty"`
	AllowedOAuthScopes              []string `json:",omitempty"`
	AllowedOAuthFlowsUserPoolClient bool
	SupportedIdentityProviders      []string `json:",omitempty"`
}

type userJSON struct {
	Username             string
	Attributes           []attributeType
	UserCreateDate       float64
	UserLastModifiedDate float64
	Enabled              bool
	UserStatus           string
}

type authResultJSON struct {
	AccessToken       string
	ExpiresIn         int64
	IdToken           string
	RefreshToken      string `json:",omitempty"`
	TokenType         string
	NewDeviceMetadata *newDeviceJSON `json:",omitempty"`
}

type newDeviceJSON struct {
	DeviceKey      string
	DeviceGroupKey string
}

type authOutput struct {
	AuthenticationResult *authResultJSON   `json:",omitempty"`
	AvailableChallenges  []string          `json:",omitempty"`
	ChallengeName        string            `json:",omitempty"`
	ChallengeParameters  map[string]string `json:",omitempty"`
	Session              string            `json:",omitempty"`
}

func epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// ---- user pools ----

// poolSpec is what both CreateUserPool (wire) and the Go API give.
type poolSpec struct {
	name               string
	usernameAttributes []string
	aliasAttributes    []string
	caseSensitive      bool
	policy             passwordPolicy
	mfa                mfaConfig
	devices            *deviceConfig
	schema             []schemaAttribute
	firstAuthFactors   []string
}

// schemaAttribute is one entry of CreateUserPool's Schema.
type schemaAttribute struct {
	name, dataType    string
	required, mutable bool
}

func defaultPasswordPolicy() passwordPolicy {
	return passwordPolicy{
		MinimumLength: 8, RequireUppercase: true, RequireLowercase: true,
		RequireNumbers: true, RequireSymbols: true,
		TemporaryPasswordValidityDays: defaultTempPasswordDays,
	}
}

func (s *Server) createUserPoolLocked(spec poolSpec) (*userPool, *apiError) {
	if spec.name == "" {
		return nil, missingParam("PoolName")
	}
	if len(spec.name) > 128 {
		return nil, apiErr(errInvalidParameter, "PoolName must be at most 128 characters long")
	}
	for _, a := range spec.usernameAttributes {
		if a != "email" && a != "phone_number" {
			return nil, apiErr(errInvalidParameter, "UsernameAttributes may only contain email and phone_number, not %q", a)
		}
	}
	for _, a := range spec.aliasAttributes {
		if a != "email" && a != "phone_number" && a != "preferred_username" {
			return nil, apiErr(errInvalidParameter, "AliasAttributes may only contain email, phone_number and preferred_username, not %q", a)
		}
	}
	if len(spec.usernameAttributes) > 0 && len(spec.aliasAttributes) > 0 {
		return nil, apiErr(errInvalidParameter, "Only one of AliasAttributes and UsernameAttributes can be set in a User Pool")
	}
	p := spec.policy
	if p.MinimumLength < 6 || p.MinimumLength > 99 {
		return nil, apiErr(errInvalidParameter, "MinimumLength must be between 6 and 99, got %d", p.MinimumLength)
	}
	if p.TemporaryPasswordValidityDays < 0 || p.TemporaryPasswordValidityDays > 365 {
		return nil, apiErr(errInvalidParameter, "TemporaryPasswordValidityDays must be between 0 and 365")
	}
	if p.TemporaryPasswordValidityDays == 0 {
		p.TemporaryPasswordValidityDays = defaultTempPasswordDays
	}
	if aerr := spec.mfa.validate(); aerr != nil {
		return nil, aerr
	}
	var required []string
	for _, a := range spec.schema {
		if a.name == "" {
			return nil, apiErr(errInvalidParameter, "Schema attribute name is missing")
		}
		if strings.HasPrefix(a.name, "custom:") || !standardAttributes[a.name] {
			if a.required {
				return nil, apiErr(errInvalidParameter, "Required custom attributes are not supported currently.")
			}
			continue
		}
		if a.required {
			required = append(required, a.name)
		}
	}
	factors := spec.firstAuthFactors
	if len(factors) == 0 {
		factors = []string{"PASSWORD"}
	}
	for _, f := range factors {
		switch f {
		case "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN":
		default:
			return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must satisfy enum value set: [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN]", f)
		}
	}
	if !contains(factors, "PASSWORD") {
		return nil, apiErr(errInvalidParameter, "AllowedFirstAuthFactors must include PASSWORD")
	}
	var id string
	for {
		id = s.opts.Region + "_" + s.randomString(9, alnum)
		if s.userPools[id] == nil {
			break
		}
	}
	now := s.now()
	pool := &userPool{
		id:                 id,
		name:               spec.name,
		created:            now,
		usernameAttributes: append([]string(nil), spec.usernameAttributes...),
		aliasAttributes:    append([]string(nil), spec.aliasAttributes...),
		caseSensitive:      spec.caseSensitive,
		policy:             p,
		users:              map[string]*poolUser{},
		schema:             append([]schemaAttribute(nil), spec.schema...),
		requiredAttrs:      required,
		firstAuthFactors:   append([]string(nil), factors...),
	}
	pool.setMFAConfig(spec.mfa)
	if spec.devices != nil {
		d := *spec.devices
		pool.devices = &d
	}
	s.userPools[id] = pool
	return pool, nil
}

func (s *Server) userPoolJSON(p *userPool) userPoolJSON {
	pp := p.policy
	var devices *deviceConfigJSON
	if p.devices != nil {
		devices = &deviceConfigJSON{
			ChallengeRequiredOnNewDevice:     p.devices.challengeRequiredOnNewDevice,
			DeviceOnlyRememberedOnUserPrompt: p.devices.onlyRememberedOnUserPrompt,
		}
	}
	var schema []schemaAttributeJSON
	for _, a := range p.schema {
		req, mut := a.required, a.mutable
		dt := a.dataType
		if dt == "" {
			dt = "String"
		}
		schema = append(schema, schemaAttributeJSON{Name: a.name, AttributeDataType: dt, Required: &req, Mutable: &mut})
	}
	return userPoolJSON{
		Id:                    p.id,
		Name:                  p.name,
		Arn:                   fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.opts.Region, idpAccountID, p.id),
		CreationDate:          epoch(p.created),
		LastModifiedDate:      epoch(p.created),
		UsernameAttributes:    p.usernameAttributes,
		AliasAttributes:       p.aliasAttributes,
		UsernameConfiguration: map[string]bool{"CaseSensitive": p.caseSensitive},
		Policies: map[string]any{
			"PasswordPolicy": passwordPolicyJSON{
				MinimumLength: &pp.MinimumLength, RequireUppercase: &pp.RequireUppercase,
				RequireLowercase: &pp.RequireLowercase, RequireNumbers: &pp.RequireNumbers,
				RequireSymbols: &pp.RequireSymbols, TemporaryPasswordValidityDays: &pp.TemporaryPasswordValidityDays,
			},
			"SignInPolicy": map[string][]string{"AllowedFirstAuthFactors": p.firstAuthFactors},
		},
		MfaConfiguration:       p.mfa,
		DeviceConfiguration:    devices,
		SchemaAttributes:       schema,
		EstimatedNumberOfUsers: len(p.users),
	}
}

type createUserPoolInput struct {
	PoolName              string
	UsernameAttributes    []string
	AliasAttributes       []string
	UsernameConfiguration *struct{ CaseSensitive *bool }
	Policies              *struct {
		PasswordPolicy *passwordPolicyJSON
		SignInPolicy   *struct{ AllowedFirstAuthFactors []string }
	}
	MfaConfiguration    string
	DeviceConfiguration *struct {
		ChallengeRequiredOnNewDevice     bool
		DeviceOnlyRememberedOnUserPrompt bool
	}
	Schema []struct {
		Name              string
		AttributeDataType string
		Required          *bool
		Mutable           *bool
	}
}

func (s *Server) opCreateUserPool(in *createUserPoolInput) (any, *apiError) {
	spec := poolSpec{
		name:               in.PoolName,
		usernameAttributes: in.UsernameAttributes,
		aliasAttributes:    in.AliasAttributes,
		// The API (unlike the console) makes case-sensitive pools unless told otherwise.
		caseSensitive: true,
		policy:        defaultPasswordPolicy(),
	}
	if in.UsernameConfiguration != nil && in.UsernameConfiguration.CaseSensitive != nil {
		spec.caseSensitive = *in.UsernameConfiguration.CaseSensitive
	}
	switch in.MfaConfiguration {
	case "", mfaOff:
		spec.mfa.mode = mfaOff
	case mfaOn, mfaOptional:
		// MfaConfiguration at creation is SMS MFA, as it was before
		// SetUserPoolMfaConfig added the other factors.
		spec.mfa = mfaConfig{mode: in.MfaConfiguration, sms: true}
	default:
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", in.MfaConfiguration)
	}
	if dc := in.DeviceConfiguration; dc != nil {
		spec.devices = &deviceConfig{
			challengeRequiredOnNewDevice: dc.ChallengeRequiredOnNewDevice,
			onlyRememberedOnUserPrompt:   dc.DeviceOnlyRememberedOnUserPrompt,
		}
	}
	for _, a := range in.Schema {
		sa := schemaAttribute{name: a.Name, dataType: a.AttributeDataType, mutable: true}
		if a.Required != nil {
			sa.required = *a.Required
		}
		if a.Mutable != nil {
			sa.mutable = *a.Mutable
		}
		spec.schema = append(spec.schema, sa)
	}
	if in.Policies != nil && in.Policies.SignInPolicy != nil {
		spec.firstAuthFactors = in.Policies.SignInPolicy.AllowedFirstAuthFactors
	}
	if in.Policies != nil && in.Policies.PasswordPolicy != nil {
		// An explicit policy starts from nothing required, as in Cognito.
		pp := in.Policies.PasswordPolicy
		spec.policy = passwordPolicy{MinimumLength: 8, TemporaryPasswordValidityDays: defaultTempPasswordDays}
		if pp.MinimumLength != nil {
			spec.policy.MinimumLength = *pp.MinimumLength
		}
		if pp.RequireUppercase != nil {
			spec.policy.RequireUppercase = *pp.RequireUppercase
		}
		if pp.RequireLowercase != nil {
			spec.policy.RequireLowercase = *pp.RequireLowercase
		}
		if pp.RequireNumbers != nil {
			spec.policy.RequireNumbers = *pp.RequireNumbers
		}
		if pp.RequireSymbols != nil {
			spec.policy.RequireSymbols = *pp.RequireSymbols
		}
		if pp.TemporaryPasswordValidityDays != nil {
			spec.policy.TemporaryPasswordValidityDays = *pp.TemporaryPasswordValidityDays
		}
	}
	pool, aerr := s.createUserPoolLocked(spec)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"UserPool": s.userPoolJSON(pool)}, nil
}

type userPoolIDInput struct{ UserPoolId string }

func (s *Server) opDescribeUserPool(in *userPoolIDInput) (any, *apiError) {
	pool, aerr := s.poolLocked(in.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"UserPool": s.userPoolJSON(pool)}, nil
}

type listUserPoolsInput struct {
	MaxResults int
}

// opListUserPools lists every pool (no paging: an emulator holds few), so
// that `aws cognito-idp list-user-pools` shows what a demo seeded.
func (s *Server) opListUserPools(in *listUserPoolsInput) (any, *apiError) {
	if in.MaxResults < 1 || in.MaxResults > 60 {
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", in.MaxResults)
	}
	ids := make([]string, 0, len(s.userPools))
	for id := range s.userPools {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pools := []map[string]any{}
	for _, id := range ids {
		if len(pools) == in.MaxResults {
			break
		}
		p := s.userPools[id]
		pools = append(pools, map[string]any{"Id": p.id, "Name": p.name, "CreationDate": epoch(p.created), "LastModifiedDate": epoch(p.created)})
	}
	return map[string]any{"UserPools": pools}, nil
}

func (s *Server) poolLocked(id string) (*userPool, *apiError) {
	if id == "" {
		return nil, missingParam("UserPoolId")
	}
	p := s.userPools[id]
	if p == nil {
		return nil, apiErr(errResourceNotFound, "User pool %s does not exist.", id)
	}
	return p, nil
}

// ---- app clients ----

type clientSpec struct {
	name                       string
	generateSecret             bool
	explicitAuthFlows          []string
	idValidity                 time.Duration
	accessValidity             time.Duration
	refreshValidity            time.Duration
	authSessionValidity        time.Duration
	preventUserExistenceErrors bool
	rotationSet, rotation      bool
	rotationGrace              time.Duration
	oauth                      oauthSettings
}

func (s *Server) createClientLocked(userPoolID string, spec clientSpec) (*appClient, *apiError) {
	if _, aerr := s.poolLocked(userPoolID); aerr != nil {
		return nil, aerr
	}
	if spec.name == "" {
		return nil, missingParam("ClientName")
	}
	flows := spec.explicitAuthFlows
	if len(flows) == 0 {
		flows = defaultExplicitAuthFlows
	}
	allowed := map[string]bool{}
	legacy, modern := false, false
	for _, f := range flows {
		switch f {
		case flowAllowSRP, flowAllowPassword, flowAllowRefresh, flowAllowCustom, flowAllowAdminPass, flowAllowUserAuth:
			modern = true
			allowed[f] = true
		case flowLegacyPassword, flowLegacyAdmin, flowLegacyCustomOnly:
			legacy = true
		default:
			return nil, apiErr(errInvalidParameter, "Invalid ExplicitAuthFlows value %q", f)
		}
	}
	if legacy && modern {
		return nil, apiErr(errInvalidParameter, "ExplicitAuthFlows can not have both legacy and ALLOW_ prefixed values.")
	}
	if legacy {
		// The legacy values only add to what every client could do before.
		allowed[flowAllowSRP] = true
		allowed[flowAllowRefresh] = true
		for _, f := range flows {
			switch f {
			case flowLegacyPassword:
				allowed[flowAllowPassword] = true
			case flowLegacyAdmin:
				allowed[flowAllowAdminPass] = true
			case flowLegacyCustomOnly:
				allowed[flowAllowCustom] = true
				delete(allowed, flowAllowSRP)
			}
		}
	}
	if spec.idValidity == 0 {
		spec.idValidity = defaultIDTokenValidity
	}
	if spec.accessValidity == 0 {
		spec.accessValidity = defaultAccessTokenValidity
	}
	if spec.refreshValidity == 0 {
		spec.refreshValidity = defaultRefreshTokenValidity
	}
	if spec.authSessionValidity == 0 {
		spec.authSessionValidity = defaultAuthSessionValidity
	}
	for _, c := range []struct {
		name     string
		d        time.Duration
		min, max time.Duration
	}{
		{"IdTokenValidity", spec.idValidity, 5 * time.Minute, 24 * time.Hour},
		{"AccessTokenValidity", spec.accessValidity, 5 * time.Minute, 24 * time.Hour},
		{"RefreshTokenValidity", spec.refreshValidity, time.Hour, 3650 * 24 * time.Hour},
		{"AuthSessionValidity", spec.authSessionValidity, 3 * time.Minute, 15 * time.Minute},
	} {
		if c.d < c.min || c.d > c.max {
			return nil, apiErr(errInvalidParameter, "%s must be between %s and %s, got %s", c.name, c.min, c.max, c.d)
		}
	}
	if spec.refreshValidity <= spec.idValidity || spec.refreshValidity <= spec.accessValidity {
		return nil, apiErr(errInvalidParameter, "RefreshTokenValidity must be longer than IdTokenValidity and AccessTokenValidity")
	}
	if aerr := validateRotationGrace(spec.rotationGrace); aerr != nil {
		return nil, aerr
	}
	oauth, aerr := spec.oauth.normalize()
	if aerr != nil {
		return nil, aerr
	}
	c := &appClient{
		name:                       spec.name,
		userPoolID:                 userPoolID,
		explicitAuthFlows:          append([]string(nil), flows...),
		allowed:                    allowed,
		idValidity:                 spec.idValidity,
		accessValidity:             spec.accessValidity,
		refreshValidity:            spec.refreshValidity,
		authSessionValidity:        spec.authSessionValidity,
		preventUserExistenceErrors: spec.preventUserExistenceErrors,
		created:                    s.now(),
		rotationSet:                spec.rotationSet,
		rotation:                   spec.rotation,
		rotationGrace:              spec.rotationGrace,
		oauth:                      oauth,
	}
	for {
		c.id = s.randomString(26, lowerAlnum)
		if s.appClients[c.id] == nil {
			break
		}
	}
	if spec.generateSecret {
		c.secret = s.randomString(51, lowerAlnum)
	}
	s.appClients[c.id] = c
	return c, nil
}

// validityIn expresses d in the largest unit that divides it, as a client
// created with TokenValidityUnits would report it.
func validityIn(d time.Duration) (int64, string) {
	switch {
	case d%(24*time.Hour) == 0:
		return int64(d / (24 * time.Hour)), "days"
	case d%time.Hour == 0:
		return int64(d / time.Hour), "hours"
	case d%time.Minute == 0:
		return int64(d / time.Minute), "minutes"
	default:
		return int64(d / time.Second), "seconds"
	}
}

func (c *appClient) json() userPoolClientJSON {
	idN, idU := validityIn(c.idValidity)
	acN, acU := validityIn(c.accessValidity)
	rfN, rfU := validityIn(c.refreshValidity)
	prevent := "LEGACY"
	if c.preventUserExistenceErrors {
		prevent = "ENABLED"
	}
	return userPoolClientJSON{
		ClientId:                   c.id,
		ClientName:                 c.name,
		ClientSecret:               c.secret,
		UserPoolId:                 c.userPoolID,
		ExplicitAuthFlows:          c.explicitAuthFlows,
		CreationDate:               epoch(c.created),
		LastModifiedDate:           epoch(c.created),
		IdTokenValidity:            idN,
		AccessTokenValidity:        acN,
		RefreshTokenValidity:       rfN,
		TokenValidityUnits:         tokenValidityUnits{AccessToken: acU, IdToken: idU, RefreshToken: rfU},
		AuthSessionValidity:        int64(c.authSessionValidity / time.Minute),
		EnableTokenRevocation:      true,
		PreventUserExistenceErrors: prevent,
		RefreshTokenRotation:       c.rotationJSON(),

		CallbackURLs:                    c.oauth.callbackURLs,
		LogoutURLs:                      c.oauth.logoutURLs,
		AllowedOAuthFlows:               c.oauth.flows,
		AllowedOAuthScopes:              c.oauth.scopes,
		AllowedOAuthFlowsUserPoolClient: len(c.oauth.flows) > 0,
		SupportedIdentityProviders:      c.oauth.providers,
	}
}

type createUserPoolClientInput struct {
	UserPoolId                 string
	ClientName                 string
	GenerateSecret             bool
	ExplicitAuthFlows          []string
	IdTokenValidity            *int64
	AccessTokenValidity        *int64
	RefreshTokenValidity       *int64
	AuthSessionValidity        *int64
	TokenValidityUnits         *tokenValidityUnits
	PreventUserExistenceErrors string
	RefreshTokenRotation       *refreshTokenRotationJSON

	CallbackURLs                    []string
	LogoutURLs                      []string
	AllowedOAuthFlows               []string
	AllowedOAuthScopes              []string
	AllowedOAuthFlowsUserPoolClient bool
	SupportedIdentityProviders      []string
}

func unitDuration(n *int64, unit, def string) (time.Duration, *apiError) {
	if n == nil {
		return 0, nil
	}
	if unit == "" {
		unit = def
	}
	var u time.Duration
	switch unit {
	case "seconds":
		u = time.Second
	case "minutes":
		u = time.Minute
	case "hours":
		u = time.Hour
	case "days":
		u = 24 * time.Hour
	default:
		return 0, apiErr(errInvalidParameter, "Invalid TimeUnitsType %q", unit)
	}
	if *n <= 0 || *n > 100000 {
		return 0, apiErr(errInvalidParameter, "token validity must be positive, got %d", *n)
	}
	return time.Duration(*n) * u, nil
}

func (s *Server) opCreateUserPoolClient(in *createUserPoolClientInput) (any, *apiError) {
	units := tokenValidityUnits{}
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	spec := clientSpec{
		name:                       in.ClientName,
		generateSecret:             in.GenerateSecret,
		explicitAuthFlows:          in.ExplicitAuthFlows,
		preventUserExistenceErrors: in.PreventUserExistenceErrors == "ENABLED",
	}
	var aerr *apiError
	if spec.idValidity, aerr = unitDuration(in.IdTokenValidity, units.IdToken, "hours"); aerr != nil {
		return nil, aerr
	}
	if spec.accessValidity, aerr = unitDuration(in.AccessTokenValidity, units.AccessToken, "hours"); aerr != nil {
		return nil, aerr
	}
	if spec.refreshValidity, aerr = unitDuration(in.RefreshTokenValidity, units.RefreshToken, "days"); aerr != nil {
		return nil, aerr
	}
	if spec.authSessionValidity, aerr = unitDuration(in.AuthSessionValidity, "minutes", "minutes"); aerr != nil {
		return nil, aerr
	}
	if aerr := rotationSpec(in.RefreshTokenRotation, &spec); aerr != nil {
		return nil, aerr
	}
	spec.oauth = oauthSettings{
		callbackURLs: in.CallbackURLs,
		logoutURLs:   in.LogoutURLs,
		scopes:       in.AllowedOAuthScopes,
		providers:    in.SupportedIdentityProviders,
	}
	// As in Cognito, the OAuth flows are only on with
	// AllowedOAuthFlowsUserPoolClient; the wire API has no default flow.
	if in.AllowedOAuthFlowsUserPoolClient {
		if len(in.AllowedOAuthFlows) == 0 {
			return nil, apiErr(errInvalidParameter, "AllowedOAuthFlows must be given when AllowedOAuthFlowsUserPoolClient is true")
		}
		if len(in.AllowedOAuthScopes) == 0 {
			return nil, apiErr(errInvalidParameter, "AllowedOAuthScopes must be given when AllowedOAuthFlowsUserPoolClient is true")
		}
		spec.oauth.flows = in.AllowedOAuthFlows
	}
	spec.oauth.wire = true
	c, aerr := s.createClientLocked(in.UserPoolId, spec)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"UserPoolClient": c.json()}, nil
}

type describeUserPoolClientInput struct {
	UserPoolId string
	ClientId   string
}

func (s *Server) opDescribeUserPoolClient(in *describeUserPoolClientInput) (any, *apiError) {
	if _, aerr := s.poolLocked(in.UserPoolId); aerr != nil {
		return nil, aerr
	}
	c := s.appClients[in.ClientId]
	if c == nil || c.userPoolID != in.UserPoolId {
		return nil, apiErr(errResourceNotFound, "User pool client %s does not exist.", in.ClientId)
	}
	return map[string]any{"UserPoolClient": c.json()}, nil
}

// clientLocked finds the app client an auth request names.
func (s *Server) clientLocked(clientID string) (*appClient, *userPool, *apiError) {
	if clientID == "" {
		return nil, nil, missingParam("ClientId")
	}
	c := s.appClients[clientID]
	if c == nil {
		return nil, nil, apiErr(errResourceNotFound, "User pool client %s does not exist.", clientID)
	}
	p := s.userPools[c.userPoolID]
	if p == nil {
		return nil, nil, apiErr(errResourceNotFound, "User pool %s does not exist.", c.userPoolID)
	}
	return c, p, nil
}

// checkSecretHash verifies SECRET_HASH for clients that have a secret.
func (c *appClient) checkSecretHash(username, secretHash string) *apiError {
	if c.secret == "" {
		return nil
	}
	if secretHash == "" {
		return apiErr(errNotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.id)
	}
	m := hmac.New(sha256.New, []byte(c.secret))
	io.WriteString(m, username+c.id)
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(secretHash)) != 1 {
		return apiErr(errNotAuthorized, "Unable to verify secret hash for client %s", c.id)
	}
	return nil
}

// ---- users ----

var standardAttributes = map[string]bool{
	"address": true, "birthdate": true, "email": true, "email_verified": true,
	"family_name": true, "gender": true, "given_name": true, "locale": true,
	"middle_name": true, "name": true, "nickname": true, "phone_number": true,
	"phone_number_verified": true, "picture": true, "preferred_username": true,
	"profile": true, "zoneinfo": true, "updated_at": true, "website": true,
}

func validateAttribute(name, value string) *apiError {
	switch {
	case name == "sub":
		return apiErr(errInvalidParameter, "Cannot modify the non-mutable attribute sub")
	case strings.HasPrefix(name, "custom:") && len(name) > len("custom:"):
	case standardAttributes[name]:
	default:
		return apiErr(errInvalidParameter, "Attribute does not exist in the schema: %s", name)
	}
	if len(value) > 2048 {
		return apiErr(errInvalidParameter, "Value of attribute %s is too long", name)
	}
	if name == "email" && value != "" && !looksLikeEmail(value) {
		return apiErr(errInvalidParameter, "Invalid email address format.")
	}
	return nil
}

func looksLikeEmail(v string) bool {
	at := strings.LastIndexByte(v, '@')
	return at > 0 && at < len(v)-1 && !strings.ContainsAny(v, " \t\r\n")
}

func (p *userPool) key(s string) string {
	if p.caseSensitive {
		return s
	}
	return strings.ToLower(s)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// findUser resolves what a person typed (username, or an email / phone
// number when the pool signs in by those, or a verified alias) to a user.
func (p *userPool) findUser(name string) *poolUser {
	if name == "" {
		return nil
	}
	if u := p.users[p.key(name)]; u != nil {
		return u
	}
	for _, attr := range p.usernameAttributes {
		if u := p.findByAttr(attr, name, false); u != nil {
			return u
		}
	}
	for _, attr := range p.aliasAttributes {
		if u := p.findByAttr(attr, name, attr != "preferred_username"); u != nil {
			return u
		}
	}
	return nil
}

func (p *userPool) findByAttr(attr, value string, mustBeVerified bool) *poolUser {
	for _, u := range p.users {
		v, ok := u.attrs[attr]
		if !ok || v == "" {
			continue
		}
		match := v == value
		if attr == "email" || (attr == "preferred_username" && !p.caseSensitive) {
			match = strings.EqualFold(v, value)
		}
		if !match {
			continue
		}
		if mustBeVerified && u.attrs[attr+"_verified"] != "true" {
			continue
		}
		return u
	}
	return nil
}

func (p *userPool) findBySub(sub string) *poolUser {
	for _, u := range p.users {
		if u.sub == sub {
			return u
		}
	}
	return nil
}

// checkPassword enforces the pool's password policy.
func (p *userPool) checkPassword(pw string) *apiError {
	if len(pw) > maxPasswordLength {
		return apiErr(errInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to %d", maxPasswordLength)
	}
	pol := p.policy
	const prefix = "Password did not conform with policy: "
	if len([]rune(pw)) < pol.MinimumLength {
		return apiErr(errInvalidPassword, prefix+"Password not long enough")
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r < unicode.MaxASCII && (unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' '):
			symbol = true
		}
	}
	switch {
	case pol.RequireUppercase && !upper:
		return apiErr(errInvalidPassword, prefix+"Password must have uppercase characters")
	case pol.RequireLowercase && !lower:
		return apiErr(errInvalidPassword, prefix+"Password must have lowercase characters")
	case pol.RequireNumbers && !digit:
		return apiErr(errInvalidPassword, prefix+"Password must have numeric characters")
	case pol.RequireSymbols && !symbol:
		return apiErr(errInvalidPassword, prefix+"Password must have symbol characters")
	}
	return nil
}

// setPassword stores a new salt and verifier; the password is not kept.
func (s *Server) setPasswordLocked(p *userPool, u *poolUser, pw string, permanent bool) *apiError {
	if aerr := p.checkPassword(pw); aerr != nil {
		return aerr
	}
	poolName, err := srp.PoolName(p.id)
	if err != nil {
		return apiErr("InternalErrorException", "bad pool id")
	}
	saltBytes := make([]byte, 16)
	if _, err := io.ReadFull(s.opts.Rand, saltBytes); err != nil {
		return apiErr("InternalErrorException", "randomness source failed")
	}
	u.salt = new(big.Int).SetBytes(saltBytes)
	u.verifier = srp.Verifier(poolName, u.username, pw, u.salt)
	u.passwordSetAt = s.now()
	u.modified = u.passwordSetAt
	if permanent {
		u.status = statusConfirmed
	} else {
		u.status = statusForceChangePassword
	}
	return nil
}

// passwordMatches checks pw against the stored verifier, for
// USER_PASSWORD_AUTH.
func (p *userPool) passwordMatches(u *poolUser, pw string) bool {
	if u.verifier == nil {
		return false
	}
	poolName, err := srp.PoolName(p.id)
	if err != nil {
		return false
	}
	v := srp.Verifier(poolName, u.username, pw, u.salt)
	return subtle.ConstantTimeCompare(v.Bytes(), u.verifier.Bytes()) == 1
}

// generatePassword makes a temporary password that satisfies the policy.
func (s *Server) generatePassword(p *userPool) string {
	n := p.policy.MinimumLength
	if n < 12 {
		n = 12
	}
	return "Aa1!" + s.randomString(n-4, alnum)
}

type userSpec struct {
	username      string
	password      string // "" → generated temporary password
	attrs         []attributeType
	temporary     bool
	messageAction string
}

func (s *Server) createUserLocked(p *userPool, spec userSpec) (*poolUser, *apiError) {
	if spec.username == "" {
		return nil, missingParam("Username")
	}
	if len(spec.username) > 128 || strings.ContainsAny(spec.username, " \t\r\n") {
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
	}
	attrs := map[string]string{}
	for _, a := range spec.attrs {
		if aerr := validateAttribute(a.Name, a.Value); aerr != nil {
			return nil, aerr
		}
		attrs[a.Name] = a.Value
	}
	internal := spec.username
	if len(p.usernameAttributes) > 0 {
		// The typed username is an email or phone number; Cognito keeps it
		// as that attribute and names the user by its sub.
		switch {
		case contains(p.usernameAttributes, "email") && looksLikeEmail(spec.username):
			attrs["email"] = spec.username
		case contains(p.usernameAttributes, "phone_number") && strings.HasPrefix(spec.username, "+"):
			attrs["phone_number"] = spec.username
		default:
			if existing := p.findUser(spec.username); existing != nil && spec.messageAction == "RESEND" {
				break
			}
			if contains(p.usernameAttributes, "email") {
				return nil, apiErr(errInvalidParameter, "Username should be an email.")
			}
			return nil, apiErr(errInvalidParameter, "Username should be a phone number.")
		}
		internal = ""
	}
	if existing := p.findUser(spec.username); existing != nil {
		if spec.messageAction == "RESEND" && existing.status == statusForceChangePassword {
			if spec.password != "" {
				if aerr := s.setPasswordLocked(p, existing, spec.password, false); aerr != nil {
					return nil, aerr
				}
			} else {
				existing.passwordSetAt = s.now()
			}
			return existing, nil
		}
		if internal == "" {
			return nil, apiErr(errUsernameExists, "An account with the given %s already exists.", p.usernameAttributes[0])
		}
		return nil, apiErr(errUsernameExists, "User account already exists")
	}
	if spec.messageAction == "RESEND" {
		return nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	for _, alias := range p.aliasAttributes {
		v := attrs[alias]
		if v == "" || (alias != "preferred_username" && attrs[alias+"_verified"] != "true") {
			continue
		}
		if other := p.findByAttr(alias, v, alias != "preferred_username"); other != nil {
			return nil, apiErr(errAliasExists, "An account with the given %s already exists.", alias)
		}
	}
	now := s.now()
	u := &poolUser{
		username: internal,
		sub:      s.randomUUID(),
		attrs:    attrs,
		enabled:  true,
		created:  now,
		modified: now,
	}
	if u.username == "" {
		u.username = u.sub
	}
	u.attrs["sub"] = u.sub
	pw := spec.password
	if pw == "" {
		pw = s.generatePassword(p)
	}
	if aerr := s.setPasswordLocked(p, u, pw, !spec.temporary); aerr != nil {
		return nil, aerr
	}
	p.users[p.key(u.username)] = u
	return u, nil
}

func (u *poolUser) attributeList() []attributeType {
	names := make([]string, 0, len(u.attrs))
	for k := range u.attrs {
		if k != "sub" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := []attributeType{{Name: "sub", Value: u.sub}}
	for _, k := range names {
		out = append(out, attributeType{Name: k, Value: u.attrs[k]})
	}
	return out
}

func (u *poolUser) json() userJSON {
	return userJSON{
		Username:             u.username,
		Attributes:           u.attributeList(),
		UserCreateDate:       epoch(u.created),
		UserLastModifiedDate: epoch(u.modified),
		Enabled:              u.enabled,
		UserStatus:           u.status,
	}
}

type adminCreateUserInput struct {
	UserPoolId        string
	Username          string
	TemporaryPassword string
	UserAttributes    []attributeType
	MessageAction     string
}

func (s *Server) opAdminCreateUser(in *adminCreateUserInput) (any, *apiError) {
	p, aerr := s.poolLocked(in.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	if in.MessageAction != "" && in.MessageAction != "RESEND" && in.MessageAction != "SUPPRESS" {
		return nil, apiErr(errInvalidParameter, "Invalid MessageAction %q", in.MessageAction)
	}
	u, aerr := s.createUserLocked(p, userSpec{
		username:      in.Username,
		password:      in.TemporaryPassword,
		attrs:         in.UserAttributes,
		temporary:     true,
		messageAction: in.MessageAction,
	})
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"User": u.json()}, nil
}

type adminUserInput struct {
	UserPoolId string
	Username   string
}

func (s *Server) adminUserLocked(in *adminUserInput) (*userPool, *poolUser, *apiError) {
	p, aerr := s.poolLocked(in.UserPoolId)
	if aerr != nil {
		return nil, nil, aerr
	}
	if in.Username == "" {
		return nil, nil, missingParam("Username")
	}
	u := p.findUser(in.Username)
	if u == nil {
		return nil, nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	return p, u, nil
}

func (s *Server) opAdminGetUser(in *adminUserInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	j := u.json()
	out := map[string]any{
		"Username":             j.Username,
		"UserAttributes":       j.Attributes,
		"UserCreateDate":       j.UserCreateDate,
		"UserLastModifiedDate": j.UserLastModifiedDate,
		"Enabled":              j.Enabled,
		"UserStatus":           j.UserStatus,
	}
	u.addMFASettings(out)
	return out, nil
}

type adminSetUserPasswordInput struct {
	UserPoolId string
	Username   string
	Password   string
	Permanent  bool
}

func (s *Server) opAdminSetUserPassword(in *adminSetUserPasswordInput) (any, *apiError) {
	p, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	if in.Password == "" {
		return nil, missingParam("Password")
	}
	if aerr := s.setPasswordLocked(p, u, in.Password, in.Permanent); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

func (s *Server) opAdminResetUserPassword(in *adminUserInput) (any, *apiError) {
	p, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	if u.attrs["email_verified"] != "true" && u.attrs["phone_number_verified"] != "true" {
		return nil, apiErr(errInvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	u.status = statusResetRequired
	u.modified = s.now()
	// As in Cognito, the user is sent a code for ConfirmForgotPassword.
	s.sendForgotCodeLocked(p, u)
	return struct{}{}, nil
}

func (s *Server) opAdminDisableUser(in *adminUserInput) (any, *apiError) {
	p, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	u.enabled = false
	u.modified = s.now()
	// Disabling a user revokes every token it holds, as in Cognito.
	s.revokeUserTokensLocked(p.id, u)
	return struct{}{}, nil
}

func (s *Server) opAdminEnableUser(in *adminUserInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	u.enabled = true
	u.modified = s.now()
	return struct{}{}, nil
}

func (s *Server) opAdminDeleteUser(in *adminUserInput) (any, *apiError) {
	p, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	s.revokeUserTokensLocked(p.id, u)
	delete(p.users, p.key(u.username))
	return struct{}{}, nil
}

func (s *Server) opAdminUserGlobalSignOut(in *adminUserInput) (any, *apiError) {
	p, u, aerr := s.adminUserLocked(in)
	if aerr != nil {
		return nil, aerr
	}
	s.revokeUserTokensLocked(p.id, u)
	return struct{}{}, nil
}

// revokeUserTokensLocked revokes every refresh token of u and, through
// their origin_jti, every ID and access token issued with them.
func (s *Server) revokeUserTokensLocked(poolID string, u *poolUser) {
	for _, rt := range s.idp.refreshTokens {
		if rt.userPoolID == poolID && rt.sub == u.sub {
			rt.revoked = true
			s.idp.revokedOrigins[rt.originJTI] = true
		}
	}
}

// ---- sign-in ----

type initiateAuthInput struct {
	AuthFlow       string
	AuthParameters map[string]string
	ClientId       string
	Session        string
}

// userCanSignIn reports why u may not start a sign-in, if it may not.
func (s *Server) userCanSignIn(p *userPool, u *poolUser) *apiError {
	if !u.enabled {
		return apiErr(errNotAuthorized, msgUserDisabled)
	}
	switch u.status {
	case statusResetRequired:
		return apiErr(errPasswordResetRequired, msgPasswordResetRequired)
	case statusForceChangePassword:
		days := p.policy.TemporaryPasswordValidityDays
		if s.now().After(u.passwordSetAt.Add(time.Duration(days) * 24 * time.Hour)) {
			return apiErr(errNotAuthorized, msgTempPasswordExpired)
		}
	}
	return nil
}

func (s *Server) opInitiateAuth(in *initiateAuthInput) (any, *apiError) {
	c, p, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	params := in.AuthParameters
	if params == nil {
		params = map[string]string{}
	}
	var need string
	switch in.AuthFlow {
	case "":
		return nil, missingParam("AuthFlow")
	case "USER_SRP_AUTH":
		need = flowAllowSRP
	case "USER_PASSWORD_AUTH":
		need = flowAllowPassword
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		need = flowAllowRefresh
	case "CUSTOM_AUTH":
		need = flowAllowCustom
	case "USER_AUTH":
		need = flowAllowUserAuth
	case "ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH":
		return nil, apiErr(errInvalidParameter, "Initiate Auth method not supported.")
	default:
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set", in.AuthFlow)
	}
	if need == flowAllowRefresh && c.rotation {
		return nil, rotationRefusal()
	}
	if !c.allowed[need] {
		return nil, apiErr(errInvalidParameter, "%s flow not enabled for this client", strings.TrimPrefix(need, "ALLOW_"))
	}
	switch in.AuthFlow {
	case "USER_SRP_AUTH":
		return s.initiateSRPLocked(c, p, params)
	case "USER_PASSWORD_AUTH":
		return s.initiatePasswordLocked(c, p, params)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refreshLocked(c, p, params)
	case "USER_AUTH":
		return s.initiateUserAuthLocked(c, p, params)
	case "CUSTOM_AUTH":
		return s.initiateCustomAuthLocked(c, p, params)
	}
	return nil, apiErr(errInvalidParameter, "AuthFlow %s is not supported by cognitotest", in.AuthFlow)
}

// lookupSignInUser finds the user for USERNAME, turning "not found" into
// the answer the client's PreventUserExistenceErrors setting calls for.
func (s *Server) lookupSignInUser(c *appClient, p *userPool, username string) (*poolUser, *apiError) {
	u := p.findUser(username)
	if u == nil {
		if c.preventUserExistenceErrors {
			return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
		}
		return nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	return u, nil
}

func (s *Server) initiateSRPLocked(c *appClient, p *userPool, params map[string]string) (any, *apiError) {
	username, aHex := params["USERNAME"], params["SRP_A"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if aHex == "" {
		return nil, missingParam("SRP_A")
	}
	if aerr := c.checkSecretHash(username, params["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	if err := srp.ValidateA(aHex); err != nil {
		return nil, apiErr(errInvalidParameter, "Invalid SRP_A: it must be a hexadecimal number that is not 0 modulo N")
	}
	u, aerr := s.lookupSignInUser(c, p, username)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return nil, aerr
	}
	return s.startPasswordVerifierLocked(c, p, u, aHex, signInState{deviceKey: params["DEVICE_KEY"]})
}

// startPasswordVerifierLocked answers SRP_A with the PASSWORD_VERIFIER
// challenge. aHex has been validated.
func (s *Server) startPasswordVerifierLocked(c *appClient, p *userPool, u *poolUser, aHex string, st signInState) (any, *apiError) {
	server, err := srp.NewServer(u.verifier, s.opts.Rand)
	if err != nil {
		return nil, apiErr("InternalErrorException", "SRP failed")
	}
	block := make([]byte, 128)
	if _, err := io.ReadFull(s.opts.Rand, block); err != nil {
		return nil, apiErr("InternalErrorException", "randomness source failed")
	}
	sess := s.newSessionLocked(c, p, u, challengePasswordVerifier)
	sess.st = st
	sess.srp = server
	sess.srpA = aHex
	sess.secretBlock = block
	sess.secretBlockB4 = base64.StdEncoding.EncodeToString(block)
	s.idp.secretBlocks[sess.secretBlockB4] = sess.id
	return authOutput{
		ChallengeName: challengePasswordVerifier,
		ChallengeParameters: map[string]string{
			"SALT":            u.salt.Text(16),
			"SRP_B":           server.B(),
			"SECRET_BLOCK":    sess.secretBlockB4,
			"USERNAME":        u.username,
			"USER_ID_FOR_SRP": u.username,
		},
		Session: sess.id,
	}, nil
}

func (s *Server) initiatePasswordLocked(c *appClient, p *userPool, params map[string]string) (any, *apiError) {
	username, pw := params["USERNAME"], params["PASSWORD"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if pw == "" {
		return nil, missingParam("PASSWORD")
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
	if !p.passwordMatches(u, pw) {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	return s.continueSignInLocked(c, p, u, signInState{deviceKey: params["DEVICE_KEY"]})
}

// signInState is what a sign-in has proved so far; each challenge session
// carries it to the next step.
type signInState struct {
	deviceKey    string // DEVICE_KEY the client sent
	passwordless bool   // the first factor was EMAIL_OTP, SMS_OTP or a custom challenge: no MFA
	mfaDone      bool
	deviceAuthed bool // DEVICE_PASSWORD_VERIFIER passed
	// CUSTOM_AUTH: the steps so far.
	custom      bool
	customSteps []CustomAuthStep
}

// continueSignInLocked decides what follows a verified first factor:
// NEW_PASSWORD_REQUIRED for a temporary password, the device challenge for a
// remembered device, an MFA challenge, or tokens.
func (s *Server) continueSignInLocked(c *appClient, p *userPool, u *poolUser, st signInState) (any, *apiError) {
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return nil, aerr
	}
	switch u.status {
	case statusUnconfirmed:
		return nil, apiErr(errUserNotConfirmed, msgUserNotConfirmed)
	case statusForceChangePassword:
		attrs := map[string]string{}
		for k, v := range u.attrs {
			if k != "sub" {
				attrs[k] = v
			}
		}
		ab, _ := json.Marshal(attrs)
		required := []string{}
		for _, a := range p.requiredAttrs {
			if u.attrs[a] == "" {
				required = append(required, "userAttributes."+a)
			}
		}
		rb, _ := json.Marshal(required)
		sess := s.newSessionLocked(c, p, u, challengeNewPassword)
		sess.st = st
		return authOutput{
			ChallengeName: challengeNewPassword,
			ChallengeParameters: map[string]string{
				"USER_ID_FOR_SRP":    u.username,
				"requiredAttributes": string(rb),
				"userAttributes":     string(ab),
			},
			Session: sess.id,
		}, nil
	}
	if d := s.rememberedDeviceLocked(p, u, st.deviceKey); d != nil && !st.deviceAuthed {
		sess := s.newSessionLocked(c, p, u, challengeDeviceSRP)
		sess.st = st
		return authOutput{
			ChallengeName:       challengeDeviceSRP,
			ChallengeParameters: map[string]string{"USERNAME": u.username, "DEVICE_KEY": d.key},
			Session:             sess.id,
		}, nil
	}
	if !st.passwordless && !st.mfaDone && !st.deviceAuthed {
		if out, ok := s.mfaChallengeLocked(c, p, u, st); ok {
			return out, nil
		}
	}
	return s.finishSignInLocked(c, p, u, st)
}

func (s *Server) newSessionLocked(c *appClient, p *userPool, u *poolUser, challenge string) *authSession {
	now := s.now()
	for id, old := range s.idp.sessions {
		if now.After(old.expires.Add(time.Hour)) {
			s.dropSessionLocked(id)
		}
	}
	sess := &authSession{
		challenge:  challenge,
		userPoolID: p.id,
		clientID:   c.id,
		username:   u.username,
		expires:    now.Add(c.authSessionValidity),
	}
	sess.id = s.newSessionID()
	s.idp.sessions[sess.id] = sess
	return sess
}

// newSessionID makes a Session string shaped like Cognito's.
func (s *Server) newSessionID() string {
	buf := make([]byte, 384)
	if _, err := io.ReadFull(s.opts.Rand, buf); err != nil {
		panic("cognitotest: randomness source failed: " + err.Error())
	}
	return "AYABe" + base64.RawURLEncoding.EncodeToString(buf)
}

func (s *Server) dropSessionLocked(id string) {
	if sess := s.idp.sessions[id]; sess != nil && sess.secretBlockB4 != "" {
		delete(s.idp.secretBlocks, sess.secretBlockB4)
	}
	delete(s.idp.sessions, id)
}

type respondInput struct {
	ChallengeName      string
	ClientId           string
	ChallengeResponses map[string]string
	Session            string
}

func (s *Server) opRespondToAuthChallenge(in *respondInput) (any, *apiError) {
	c, p, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	resp := in.ChallengeResponses
	if resp == nil {
		resp = map[string]string{}
	}
	switch in.ChallengeName {
	case "":
		return nil, missingParam("ChallengeName")
	case challengePasswordVerifier:
		return s.respondPasswordVerifierLocked(c, p, in.Session, resp)
	case challengeNewPassword:
		return s.respondNewPasswordLocked(c, p, in.Session, resp)
	case challengeSMSMFA, challengeTOTPMFA, challengeEmailOTP, challengeSMSOTP:
		return s.respondCodeLocked(c, p, in.ChallengeName, in.Session, resp)
	case challengeSelectMFA:
		return s.respondSelectMFALocked(c, p, in.Session, resp)
	case challengeMFASetup:
		return s.respondMFASetupLocked(c, p, in.Session, resp)
	case challengeDeviceSRP:
		return s.respondDeviceSRPLocked(c, p, in.Session, resp)
	case challengeDeviceVerifier:
		return s.respondDeviceVerifierLocked(c, p, in.Session, resp)
	case challengeSelectChallenge:
		return s.respondSelectChallengeLocked(c, p, in.Session, resp)
	case challengeCustom:
		return s.respondCustomLocked(c, p, in.Session, resp)
	}
	return nil, apiErr(errInvalidParameter, "ChallengeName %s is not supported by cognitotest", in.ChallengeName)
}

// sessionLocked finds a live session for challenge and client. An expired
// one is dropped.
func (s *Server) sessionLocked(c *appClient, id, challenge string) (*authSession, *apiError) {
	sess := s.idp.sessions[id]
	if sess == nil || sess.clientID != c.id {
		return nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	if !s.now().Before(sess.expires) {
		s.dropSessionLocked(id)
		return nil, apiErr(errNotAuthorized, msgSessionExpired)
	}
	if sess.challenge != challenge {
		return nil, apiErr(errInvalidParameter, "Invalid challenge name %s for this session; expected %s", challenge, sess.challenge)
	}
	return sess, nil
}

func (s *Server) respondPasswordVerifierLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	for _, k := range []string{"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"} {
		if resp[k] == "" {
			return nil, missingParam(k)
		}
	}
	if aerr := c.checkSecretHash(resp["USERNAME"], resp["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	// Clients that do not echo Session are still found by their secret block.
	if sessionID == "" {
		sessionID = s.idp.secretBlocks[resp["PASSWORD_CLAIM_SECRET_BLOCK"]]
	}
	sess, aerr := s.sessionLocked(c, sessionID, challengePasswordVerifier)
	if aerr != nil {
		return nil, aerr
	}
	// One exchange per challenge, right or wrong.
	s.dropSessionLocked(sess.id)
	u := p.users[p.key(sess.username)]
	if u == nil || p.findUser(resp["USERNAME"]) != u {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	if subtle.ConstantTimeCompare([]byte(resp["PASSWORD_CLAIM_SECRET_BLOCK"]), []byte(sess.secretBlockB4)) != 1 {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	ts, err := time.Parse(srp.TimestampLayout, resp["TIMESTAMP"])
	if err != nil {
		return nil, apiErr(errInvalidParameter, "TIMESTAMP %q is not of the form %q", resp["TIMESTAMP"], srp.TimestampLayout)
	}
	if d := s.now().Sub(ts); d > timestampSkew || d < -timestampSkew {
		return nil, apiErr(errNotAuthorized, "TIMESTAMP is more than %s away from the server's time", timestampSkew)
	}
	poolName, err := srp.PoolName(p.id)
	if err != nil {
		return nil, apiErr("InternalErrorException", "bad pool id")
	}
	ok, err := sess.srp.Verify(sess.srpA, poolName, u.username, sess.secretBlock, resp["TIMESTAMP"], resp["PASSWORD_CLAIM_SIGNATURE"])
	if err != nil || !ok {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	if st.custom {
		st.customSteps = append(st.customSteps, CustomAuthStep{ChallengeName: challengePasswordVerifier, Result: true})
		return s.customNextLocked(c, p, u, st, "")
	}
	return s.continueSignInLocked(c, p, u, st)
}

func (s *Server) respondNewPasswordLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	if sessionID == "" {
		return nil, missingParam("Session")
	}
	sess, aerr := s.sessionLocked(c, sessionID, challengeNewPassword)
	if aerr != nil {
		return nil, aerr
	}
	u := p.users[p.key(sess.username)]
	if u == nil {
		s.dropSessionLocked(sess.id)
		return nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	username := resp["USERNAME"]
	if username != "" && p.findUser(username) != u {
		return nil, apiErr(errNotAuthorized, msgInvalidSession)
	}
	if username == "" {
		username = u.username
	}
	if aerr := c.checkSecretHash(username, resp["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	pw := resp["NEW_PASSWORD"]
	if pw == "" {
		return nil, missingParam("NEW_PASSWORD")
	}
	// Check everything before changing anything, so a refused answer can be
	// retried with the same session.
	if aerr := p.checkPassword(pw); aerr != nil {
		return nil, aerr
	}
	newAttrs := map[string]string{}
	for k, v := range resp {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			if aerr := validateAttribute(name, v); aerr != nil {
				return nil, aerr
			}
			newAttrs[name] = v
		}
	}
	for _, a := range p.requiredAttrs {
		if u.attrs[a] == "" && newAttrs[a] == "" {
			return nil, apiErr(errInvalidParameter, "Invalid attributes given, %s is missing", a)
		}
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return nil, aerr
	}
	if aerr := s.setPasswordLocked(p, u, pw, true); aerr != nil {
		return nil, aerr
	}
	for k, v := range newAttrs {
		u.attrs[k] = v
	}
	s.dropSessionLocked(sess.id)
	st := sess.st
	if dk := resp["DEVICE_KEY"]; dk != "" {
		st.deviceKey = dk
	}
	return s.continueSignInLocked(c, p, u, st)
}

func (s *Server) refreshLocked(c *appClient, p *userPool, params map[string]string) (any, *apiError) {
	tok := params["REFRESH_TOKEN"]
	if tok == "" {
		return nil, missingParam("REFRESH_TOKEN")
	}
	rt, aerr := s.refreshTokenLocked(c, tok)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := c.checkSecretHash(rt.username, params["SECRET_HASH"]); aerr != nil {
		return nil, aerr
	}
	u, aerr := s.checkRefreshTokenLocked(p, rt, params["DEVICE_KEY"])
	if aerr != nil {
		return nil, aerr
	}
	res, aerr := s.issueFromRefreshLocked(c, p, u, rt)
	if aerr != nil {
		return nil, aerr
	}
	return authOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// ---- revocation and the signed-in user ----

type revokeTokenInput struct {
	Token        string
	ClientId     string
	ClientSecret string
}

func (s *Server) opRevokeToken(in *revokeTokenInput) (any, *apiError) {
	if in.Token == "" {
		return nil, missingParam("Token")
	}
	c, _, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	if c.secret != "" && subtle.ConstantTimeCompare([]byte(c.secret), []byte(in.ClientSecret)) != 1 {
		return nil, apiErr(errUnauthorized, "Client secret is missing or does not match client %s", c.id)
	}
	rt := s.idp.refreshTokens[in.Token]
	if rt == nil {
		if strings.Count(in.Token, ".") == 2 {
			return nil, apiErr(errUnsupportedTokenType, "Only refresh tokens can be revoked")
		}
		// As RFC 7009 asks, an unknown token is not an error.
		return struct{}{}, nil
	}
	if rt.clientID != c.id {
		return nil, apiErr(errUnauthorized, "The token was not issued to client %s", c.id)
	}
	// Revoking any token of a rotation family revokes the whole family.
	s.revokeFamilyLocked(rt)
	return struct{}{}, nil
}

type accessTokenInput struct{ AccessToken string }

func (s *Server) opGetUser(in *accessTokenInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	out := map[string]any{
		"Username":       u.username,
		"UserAttributes": u.attributeList(),
	}
	u.addMFASettings(out)
	return out, nil
}

func (s *Server) opGlobalSignOut(in *accessTokenInput) (any, *apiError) {
	p, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	s.revokeUserTokensLocked(p.id, u)
	return struct{}{}, nil
}
