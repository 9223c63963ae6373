// Package userpool signs a person in to an Amazon Cognito user pool from a
// program that is not a browser: SRP (USER_SRP_AUTH, the default, so the
// password never leaves the machine), USER_PASSWORD_AUTH, choice-based
// sign-in (USER_AUTH) and custom challenges (CUSTOM_AUTH); every challenge
// the pool asks on the way (new password, SMS / TOTP / email MFA, MFA
// setup, remembered devices), answered by a handler the caller gives;
// refresh with REFRESH_TOKEN_AUTH; sign-out with RevokeToken; and the
// password and MFA lifecycle (forgot / change password, authenticator
// setup, devices).
//
// It talks to Cognito only through the aws-sdk-go-v2 cognitoidentityprovider
// client (any value implementing APIClient), so endpoints, proxies and CA
// bundles follow the SDK's configuration. It never prompts and never logs a
// secret.
package userpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/loginwithcognito/cognitologin/internal/sessiondata"
	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// APIClient is the part of the cognitoidentityprovider client this package
// uses; *cognitoidentityprovider.Client implements it.
type APIClient interface {
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(ctx context.Context, in *cip.RespondToAuthChallengeInput, optFns ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, optFns ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
	AssociateSoftwareToken(ctx context.Context, in *cip.AssociateSoftwareTokenInput, optFns ...func(*cip.Options)) (*cip.AssociateSoftwareTokenOutput, error)
	VerifySoftwareToken(ctx context.Context, in *cip.VerifySoftwareTokenInput, optFns ...func(*cip.Options)) (*cip.VerifySoftwareTokenOutput, error)
	SetUserMFAPreference(ctx context.Context, in *cip.SetUserMFAPreferenceInput, optFns ...func(*cip.Options)) (*cip.SetUserMFAPreferenceOutput, error)
	ConfirmDevice(ctx context.Context, in *cip.ConfirmDeviceInput, optFns ...func(*cip.Options)) (*cip.ConfirmDeviceOutput, error)
	UpdateDeviceStatus(ctx context.Context, in *cip.UpdateDeviceStatusInput, optFns ...func(*cip.Options)) (*cip.UpdateDeviceStatusOutput, error)
	ListDevices(ctx context.Context, in *cip.ListDevicesInput, optFns ...func(*cip.Options)) (*cip.ListDevicesOutput, error)
	ForgetDevice(ctx context.Context, in *cip.ForgetDeviceInput, optFns ...func(*cip.Options)) (*cip.ForgetDeviceOutput, error)
	ForgotPassword(ctx context.Context, in *cip.ForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ForgotPasswordOutput, error)
	ConfirmForgotPassword(ctx context.Context, in *cip.ConfirmForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error)
	ChangePassword(ctx context.Context, in *cip.ChangePasswordInput, optFns ...func(*cip.Options)) (*cip.ChangePasswordOutput, error)
	GetTokensFromRefreshToken(ctx context.Context, in *cip.GetTokensFromRefreshTokenInput, optFns ...func(*cip.Options)) (*cip.GetTokensFromRefreshTokenOutput, error)
	GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error)
}

// AuthFlow selects how the user proves who they are.
type AuthFlow string

const (
	// FlowSRP is USER_SRP_AUTH: the password never leaves the machine.
	FlowSRP AuthFlow = "srp"
	// FlowPassword is USER_PASSWORD_AUTH: the password is sent to Cognito
	// over TLS. The app client must enable ALLOW_USER_PASSWORD_AUTH.
	FlowPassword AuthFlow = "password"
	// FlowUserAuth is USER_AUTH, choice-based sign-in: with a password, SRP
	// is preferred; without one the pool offers what it allows (email or
	// SMS one-time codes). The app client must enable ALLOW_USER_AUTH.
	FlowUserAuth AuthFlow = "user_auth"
	// FlowCustom is CUSTOM_AUTH: the pool's own challenges (Lambda
	// triggers), answered through the handler. With a password, SRP is
	// done first. The app client must enable ALLOW_CUSTOM_AUTH.
	FlowCustom AuthFlow = "custom"
)

// Options configure a Client.
type Options struct {
	// ClientSecret is the app client's secret, for app clients that have
	// one. Default: none (no SECRET_HASH is sent).
	ClientSecret string
	// AuthFlow is the sign-in flow. Default FlowSRP.
	AuthFlow AuthFlow
	// Handler answers challenges other than the ones this package answers
	// itself (password verifier, device verifier). Default: none, and such
	// a challenge ends the sign-in with a *ChallengeError.
	Handler ChallengeHandler
	// DeviceName names this device when the pool remembers it. Default
	// "cognito-login".
	DeviceName string
	// Issuer labels the TOTP secret in authenticator apps. Default
	// "Cognito".
	Issuer string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the randomness for SRP and device passwords. Default crypto/rand.
	Rand io.Reader
}

// Client signs users in to one app client of one user pool. It is safe for
// concurrent use.
type Client struct {
	api        APIClient
	userPoolID string
	clientID   string
	poolName   string
	opts       Options

	mu       sync.Mutex
	prepared *srp.Client // from Prepare, used by the next SRP sign-in
}

// Prepare does a sign-in's password-independent SRP work ahead of time (the
// private value a and A = g^a, and the fixed-base table on a process's
// first sign-in), for example while the person types the password. The
// next SignIn uses it. Safe to call concurrently with anything.
func (c *Client) Prepare() {
	s, err := srp.NewClient(c.poolName, c.opts.Rand)
	if err != nil {
		return // SignIn will report it
	}
	c.mu.Lock()
	c.prepared = s
	c.mu.Unlock()
}

// takePrepared returns the prepared SRP client once.
func (c *Client) takePrepared() *srp.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.prepared
	c.prepared = nil
	return s
}

// New returns a Client for the app client clientID of user pool userPoolID
// ("<region>_<id>").
func New(api APIClient, userPoolID, clientID string, optFns ...func(*Options)) (*Client, error) {
	opts := Options{AuthFlow: FlowSRP, Now: time.Now, DeviceName: "cognito-login", Issuer: "Cognito"}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.AuthFlow == "" {
		opts.AuthFlow = FlowSRP
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DeviceName == "" {
		opts.DeviceName = "cognito-login"
	}
	if opts.Issuer == "" {
		opts.Issuer = "Cognito"
	}
	switch opts.AuthFlow {
	case FlowSRP, FlowPassword, FlowUserAuth, FlowCustom:
	default:
		return nil, fmt.Errorf("userpool: unknown auth flow %q (want %q, %q, %q or %q)", opts.AuthFlow, FlowSRP, FlowPassword, FlowUserAuth, FlowCustom)
	}
	poolName, err := srp.PoolName(userPoolID)
	if err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if clientID == "" {
		return nil, errors.New("userpool: app client id is empty")
	}
	return &Client{api: api, userPoolID: userPoolID, clientID: clientID, poolName: poolName, opts: opts}, nil
}

// Device is a device the pool remembers for a user (key, group key, and
// the random password whose verifier the pool keeps). Presenting it at
// sign-in lets the pool skip MFA. Password is a secret; String redacts it.
// It is the type stored in sessions, defined with them.
type Device = sessiondata.Device

// Tokens are the result of a sign-in or refresh. Their String method
// redacts the tokens so they cannot leak through %v or a log line.
type Tokens struct {
	IDToken      string
	AccessToken  string
	RefreshToken string // after a refresh that did not rotate it: the one used
	// ExpiresAt is when the ID and access tokens expire.
	ExpiresAt time.Time
	// Username is the user's internal user name (cognito:username), which
	// can differ from what was typed (an email address or alias).
	Username string
	// Sub is the user's unique, immutable id.
	Sub string
	// Device is the device this sign-in used or confirmed, if any: keep it
	// (it holds a secret) and pass it to later sign-ins and refreshes.
	Device *Device
	// Rotated is set by a refresh that returned a new refresh token (app
	// clients with refresh-token rotation): store RefreshToken at once,
	// the old one stops working after the pool's grace period.
	Rotated bool
	// RefreshMethod is how a refresh was done (RefreshWithGetTokens or
	// RefreshWithInitiateAuth); pass it back through SignInOptions to skip
	// detection next time.
	RefreshMethod string
}

// String redacts the tokens.
func (t Tokens) String() string {
	dev := "none"
	if t.Device != nil {
		dev = t.Device.String()
	}
	return fmt.Sprintf("Tokens{Username:%q Sub:%q ExpiresAt:%s Device:%s IDToken:[redacted] AccessToken:[redacted] RefreshToken:[redacted]}",
		t.Username, t.Sub, t.ExpiresAt.UTC().Format(time.RFC3339), dev)
}

// GoString redacts the tokens in %#v as well.
func (t Tokens) GoString() string { return t.String() }

// SignInOptions tune one sign-in or refresh.
type SignInOptions struct {
	// Device is a remembered device to present (from an earlier
	// Tokens.Device), so the pool can skip MFA.
	Device *Device
	// PreferredChallenge is, for FlowUserAuth, the first factor to ask for
	// (FactorPasswordSRP, FactorPassword, FactorEmailOTP, FactorSMSOTP).
	// Default: FactorPasswordSRP when a password is given, else the pool
	// offers its choices through SELECT_CHALLENGE.
	PreferredChallenge string
	// RefreshMethod, for Refresh, is a method an earlier refresh found to
	// work (Tokens.RefreshMethod). Default: detect.
	RefreshMethod string
}

// Refresh methods.
const (
	// RefreshWithGetTokens is GetTokensFromRefreshToken: required by app
	// clients with refresh-token rotation, accepted by all others.
	RefreshWithGetTokens = "GetTokensFromRefreshToken"
	// RefreshWithInitiateAuth is InitiateAuth REFRESH_TOKEN_AUTH, for
	// servers that predate GetTokensFromRefreshToken.
	RefreshWithInitiateAuth = "REFRESH_TOKEN_AUTH"
)

// SignIn signs username in with password and answers the challenges that
// follow. username is what the person typed (a user name, or an email
// address or alias where the pool allows it). For FlowUserAuth and
// FlowCustom the password may be empty.
func (c *Client) SignIn(ctx context.Context, username, password string, optFns ...func(*SignInOptions)) (*Tokens, error) {
	var so SignInOptions
	for _, fn := range optFns {
		fn(&so)
	}
	f := &flow{c: c, login: username, username: username, password: password, device: so.Device}
	return f.start(ctx, so.PreferredChallenge)
}

// Resume continues a sign-in that stopped at a challenge (a *ChallengeError
// with Pending), in this or another process, within Cognito's session
// lifetime. The handler is asked the pending challenge again.
func (c *Client) Resume(ctx context.Context, p *Pending, optFns ...func(*SignInOptions)) (*Tokens, error) {
	if p == nil || p.Session == "" || p.Challenge == "" {
		return nil, errors.New("userpool: nothing to resume")
	}
	var so SignInOptions
	for _, fn := range optFns {
		fn(&so)
	}
	f := &flow{c: c, login: p.LoginName, username: p.Username, device: so.Device, options: p.Options}
	params := p.Parameters
	if params == nil {
		params = map[string]string{}
	}
	return f.run(ctx, types.ChallengeNameType(p.Challenge), params, aws.String(p.Session), nil)
}

// Refresh gets new ID and access tokens with a refresh token, and a new
// refresh token where the app client rotates them (Tokens.Rotated).
// username is the user's internal username (Tokens.Username), needed to
// compute SECRET_HASH when the app client has a secret. A remembered device
// must be presented if the sign-in used one.
//
// GetTokensFromRefreshToken is tried first: it is the only way for app
// clients with rotation and works for all others. A server that does not
// know it (an older emulator) gets REFRESH_TOKEN_AUTH instead.
func (c *Client) Refresh(ctx context.Context, refreshToken, username string, optFns ...func(*SignInOptions)) (*Tokens, error) {
	var so SignInOptions
	for _, fn := range optFns {
		fn(&so)
	}
	if refreshToken == "" {
		return nil, &Error{Op: "Refresh", Kind: ErrRefreshTokenInvalid, Hint: "sign in again"}
	}
	if so.RefreshMethod != RefreshWithInitiateAuth {
		t, err := c.refreshWithGetTokens(ctx, refreshToken, so.Device)
		if err == nil || so.RefreshMethod == RefreshWithGetTokens || !operationUnknown(err) {
			return t, err
		}
	}
	return c.refreshWithInitiateAuth(ctx, refreshToken, username, so.Device)
}

// operationUnknown reports an answer meaning "no such operation here"
// rather than a verdict on the token: an unknown-operation error code, or
// a server error that is not one of Cognito's own exceptions (moto answers
// an operation it lacks with an HTML 500). Cognito's own
// InternalErrorException means the operation exists and failed: falling
// back then would make a passing outage switch the refresh method for good
// (and, on an app client with rotation, REFRESH_TOKEN_AUTH is refused, which
// would read as a dead refresh token).
func operationUnknown(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case strings.Contains(code, "UnknownOperation"), strings.Contains(code, "InvalidAction"), strings.Contains(code, "NotImplemented"):
			return true
		case strings.HasSuffix(code, "Exception"):
			return false
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() == 404 || re.HTTPStatusCode() >= 500
	}
	return false
}

func (c *Client) refreshWithGetTokens(ctx context.Context, refreshToken string, device *Device) (*Tokens, error) {
	const op = "GetTokensFromRefreshToken"
	in := &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(c.clientID), RefreshToken: aws.String(refreshToken)}
	if c.opts.ClientSecret != "" {
		in.ClientSecret = aws.String(c.opts.ClientSecret)
	}
	if device != nil {
		in.DeviceKey = aws.String(device.Key)
	}
	out, err := c.api.GetTokensFromRefreshToken(ctx, in)
	if err != nil {
		return nil, classify(op, err)
	}
	if out.AuthenticationResult == nil {
		return nil, &Error{Op: op, Err: errors.New("the user pool returned no tokens")}
	}
	t, err := c.tokens(out.AuthenticationResult, refreshToken, op)
	if err != nil {
		return nil, err
	}
	t.Device, t.RefreshMethod = device, RefreshWithGetTokens
	t.Rotated = t.RefreshToken != refreshToken
	return t, nil
}

func (c *Client) refreshWithInitiateAuth(ctx context.Context, refreshToken, username string, device *Device) (*Tokens, error) {
	const op = "InitiateAuth(REFRESH_TOKEN_AUTH)"
	so := SignInOptions{Device: device}
	params := map[string]string{"REFRESH_TOKEN": refreshToken}
	if so.Device != nil {
		params["DEVICE_KEY"] = so.Device.Key
	}
	c.addSecretHash(params, username)
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       aws.String(c.clientID),
		AuthParameters: params,
	})
	if err != nil {
		return nil, classify(op, err)
	}
	if out.AuthenticationResult == nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("unexpected challenge %q on refresh", out.ChallengeName)}
	}
	t, err := c.tokens(out.AuthenticationResult, refreshToken, op)
	if err != nil {
		return nil, err
	}
	t.Device, t.RefreshMethod = so.Device, RefreshWithInitiateAuth
	t.Rotated = t.RefreshToken != refreshToken
	return t, nil
}

// GlobalSignOut signs the user out of every device: all refresh tokens of
// the user stop working.
func (c *Client) GlobalSignOut(ctx context.Context, accessToken string) error {
	_, err := c.api.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String(accessToken)})
	return classify("GlobalSignOut", err)
}

// Revoke revokes a refresh token and the access and ID tokens issued from it.
func (c *Client) Revoke(ctx context.Context, refreshToken string) error {
	in := &cip.RevokeTokenInput{ClientId: aws.String(c.clientID), Token: aws.String(refreshToken)}
	if c.opts.ClientSecret != "" {
		in.ClientSecret = aws.String(c.opts.ClientSecret)
	}
	_, err := c.api.RevokeToken(ctx, in)
	return classify("RevokeToken", err)
}

func (c *Client) addSecretHash(params map[string]string, username string) {
	if c.opts.ClientSecret != "" {
		params["SECRET_HASH"] = srp.SecretHash(username, c.clientID, c.opts.ClientSecret)
	}
}

func (c *Client) secretHash(username string) *string {
	if c.opts.ClientSecret == "" {
		return nil
	}
	return aws.String(srp.SecretHash(username, c.clientID, c.opts.ClientSecret))
}

// tokens validates an AuthenticationResult. keepRefresh is used when the
// result carries no new refresh token.
func (c *Client) tokens(r *types.AuthenticationResultType, keepRefresh, op string) (*Tokens, error) {
	t := &Tokens{
		IDToken:      aws.ToString(r.IdToken),
		AccessToken:  aws.ToString(r.AccessToken),
		RefreshToken: aws.ToString(r.RefreshToken),
	}
	if t.RefreshToken == "" {
		t.RefreshToken = keepRefresh
	}
	if t.IDToken == "" || t.AccessToken == "" {
		return nil, &Error{Op: op, Err: errors.New("the user pool's answer has no ID or access token")}
	}
	claims, err := DecodeClaims(t.IDToken)
	if err != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("ID token: %w", err)}
	}
	t.Username = claims.Username
	t.Sub = claims.Sub
	now := c.opts.Now()
	switch {
	case r.ExpiresIn > 0 && r.ExpiresIn <= 7*24*3600:
		t.ExpiresAt = now.Add(time.Duration(r.ExpiresIn) * time.Second)
	case !claims.Expires.IsZero():
		t.ExpiresAt = claims.Expires
	default:
		t.ExpiresAt = now.Add(time.Hour)
	}
	if !claims.Expires.IsZero() && claims.Expires.Before(t.ExpiresAt) {
		t.ExpiresAt = claims.Expires
	}
	return t, nil
}
