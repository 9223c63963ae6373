// Package userpool signs a person in to an Amazon Cognito user pool from a
// program that is not a browser: SRP (USER_SRP_AUTH, the default, so the
// password never leaves the machine) or USER_PASSWORD_AUTH, the challenges
// the pool asks on the way (answered by a handler the caller gives), refresh
// with REFRESH_TOKEN_AUTH, and sign-out with RevokeToken.
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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// APIClient is the part of the cognitoidentityprovider client this package
// uses; *cognitoidentityprovider.Client implements it.
type APIClient interface {
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(ctx context.Context, in *cip.RespondToAuthChallengeInput, optFns ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, optFns ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
}

// AuthFlow selects how the password is proven.
type AuthFlow string

const (
	// FlowSRP is USER_SRP_AUTH: the password never leaves the machine.
	FlowSRP AuthFlow = "srp"
	// FlowPassword is USER_PASSWORD_AUTH: the password is sent to Cognito
	// over TLS. The app client must enable ALLOW_USER_PASSWORD_AUTH.
	FlowPassword AuthFlow = "password"
)

// Options configure a Client.
type Options struct {
	// ClientSecret is the app client's secret, for app clients that have
	// one. Default: none (no SECRET_HASH is sent).
	ClientSecret string
	// AuthFlow is the sign-in flow. Default FlowSRP.
	AuthFlow AuthFlow
	// Handler answers challenges other than the password verifier (for
	// example NEW_PASSWORD_REQUIRED). Default: none, and such a challenge
	// ends the sign-in with a *ChallengeError.
	Handler ChallengeHandler
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the randomness for SRP. Default crypto/rand.
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
}

// New returns a Client for the app client clientID of user pool userPoolID
// ("<region>_<id>").
func New(api APIClient, userPoolID, clientID string, optFns ...func(*Options)) (*Client, error) {
	opts := Options{AuthFlow: FlowSRP, Now: time.Now}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.AuthFlow == "" {
		opts.AuthFlow = FlowSRP
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AuthFlow != FlowSRP && opts.AuthFlow != FlowPassword {
		return nil, fmt.Errorf("userpool: unknown auth flow %q (want %q or %q)", opts.AuthFlow, FlowSRP, FlowPassword)
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

// Tokens are the result of a sign-in or refresh. Their String method
// redacts the tokens so they cannot leak through %v or a log line.
type Tokens struct {
	IDToken      string
	AccessToken  string
	RefreshToken string // empty after a refresh that did not rotate it
	// ExpiresAt is when the ID and access tokens expire.
	ExpiresAt time.Time
	// Username is the user's internal user name (cognito:username), which
	// can differ from what was typed (an email address or alias).
	Username string
	// Sub is the user's unique, immutable id.
	Sub string
}

// String redacts the tokens.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{Username:%q Sub:%q ExpiresAt:%s IDToken:[redacted] AccessToken:[redacted] RefreshToken:[redacted]}",
		t.Username, t.Sub, t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString redacts the tokens in %#v as well.
func (t Tokens) GoString() string { return t.String() }

// SignIn proves username's password to the user pool and answers the
// challenges that follow. username is what the person typed (a user name, or
// an email address or other alias where the pool allows it).
func (c *Client) SignIn(ctx context.Context, username, password string) (*Tokens, error) {
	switch c.opts.AuthFlow {
	case FlowPassword:
		params := map[string]string{"USERNAME": username, "PASSWORD": password}
		c.addSecretHash(params, username)
		out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
			ClientId:       aws.String(c.clientID),
			AuthParameters: params,
		})
		if err != nil {
			return nil, classify("InitiateAuth", err)
		}
		return c.continueAuth(ctx, username, out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult)
	default:
		return c.signInSRP(ctx, username, password)
	}
}

func (c *Client) signInSRP(ctx context.Context, username, password string) (*Tokens, error) {
	client, err := srp.NewClient(c.poolName, c.opts.Rand)
	if err != nil {
		return nil, err
	}
	params := map[string]string{"USERNAME": username, "SRP_A": client.A()}
	c.addSecretHash(params, username)
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(c.clientID),
		AuthParameters: params,
	})
	if err != nil {
		return nil, classify("InitiateAuth", err)
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return c.continueAuth(ctx, username, out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult)
	}
	cp := out.ChallengeParameters
	ch, err := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	if err != nil {
		return nil, &Error{Op: "InitiateAuth", Err: err,
			Hint: "the user pool's SRP challenge is malformed; if this is a test server without real SRP (such as moto), use auth_flow = \"password\""}
	}
	userID := cp["USER_ID_FOR_SRP"]
	if userID == "" {
		return nil, &Error{Op: "InitiateAuth", Err: fmt.Errorf("%w: USER_ID_FOR_SRP is missing", srp.ErrInvalidServerValue)}
	}
	internal := cp["USERNAME"]
	if internal == "" {
		internal = userID
	}
	resp, err := client.Respond(ch, userID, password, c.opts.Now())
	if err != nil {
		return nil, &Error{Op: "InitiateAuth", Err: err}
	}
	answers := map[string]string{
		"USERNAME":                    internal,
		"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE":    resp.Signature,
		"TIMESTAMP":                   resp.Timestamp,
	}
	c.addSecretHash(answers, internal)
	rout, err := c.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           aws.String(c.clientID),
		ChallengeResponses: answers,
		Session:            out.Session,
	})
	if err != nil {
		return nil, classify("RespondToAuthChallenge", err)
	}
	return c.continueAuth(ctx, internal, rout.ChallengeName, rout.ChallengeParameters, rout.Session, rout.AuthenticationResult)
}

// maxChallenges bounds the challenge loop against a server that never
// finishes.
const maxChallenges = 10

// continueAuth answers challenges until the pool returns tokens.
func (c *Client) continueAuth(ctx context.Context, username string, name types.ChallengeNameType,
	params map[string]string, session *string, result *types.AuthenticationResultType) (*Tokens, error) {
	for i := 0; ; i++ {
		if result != nil {
			return c.tokens(result, "", "RespondToAuthChallenge")
		}
		if name == "" {
			return nil, &Error{Op: "RespondToAuthChallenge", Err: errors.New("the user pool returned neither tokens nor a challenge")}
		}
		if i >= maxChallenges {
			return nil, &Error{Op: "RespondToAuthChallenge", Err: fmt.Errorf("gave up after %d challenges", maxChallenges)}
		}
		if u := params["USERNAME"]; u != "" {
			username = u
		}
		ch := &Challenge{Name: string(name), Parameters: params, Username: username}
		answers, err := c.answer(ctx, ch)
		if err != nil {
			return nil, err
		}
		if _, ok := answers["USERNAME"]; !ok {
			answers["USERNAME"] = username
		}
		c.addSecretHash(answers, username)
		out, err := c.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName:      name,
			ClientId:           aws.String(c.clientID),
			ChallengeResponses: answers,
			Session:            session,
		})
		if err != nil {
			return nil, classify("RespondToAuthChallenge", err)
		}
		name, params, session, result = out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult
	}
}

// Refresh gets new ID and access tokens with a refresh token.
// username is the user's internal username (Tokens.Username), needed to
// compute SECRET_HASH when the app client has a secret.
func (c *Client) Refresh(ctx context.Context, refreshToken, username string) (*Tokens, error) {
	if refreshToken == "" {
		return nil, &Error{Op: "InitiateAuth(REFRESH_TOKEN_AUTH)", Kind: ErrRefreshTokenInvalid, Hint: "sign in again"}
	}
	params := map[string]string{"REFRESH_TOKEN": refreshToken}
	c.addSecretHash(params, username)
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       aws.String(c.clientID),
		AuthParameters: params,
	})
	if err != nil {
		return nil, classify("InitiateAuth(REFRESH_TOKEN_AUTH)", err)
	}
	if out.AuthenticationResult == nil {
		return nil, &Error{Op: "InitiateAuth(REFRESH_TOKEN_AUTH)", Err: fmt.Errorf("unexpected challenge %q on refresh", out.ChallengeName)}
	}
	return c.tokens(out.AuthenticationResult, refreshToken, "InitiateAuth(REFRESH_TOKEN_AUTH)")
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
