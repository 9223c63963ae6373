// Package identitypool exchanges user pool tokens for temporary AWS
// credentials through an Amazon Cognito identity pool.
//
// Two flows, as Cognito documents them:
//
//   - Enhanced (default): GetId, then GetCredentialsForIdentity. The identity
//     pool picks the role (or honours a custom role ARN its rules allow);
//     credentials last one hour.
//   - Basic: GetId, GetOpenIdToken, then STS AssumeRoleWithWebIdentity with a
//     role and duration of the caller's choosing (15 minutes up to the
//     role's maximum session duration, at most 12 hours). This is how
//     credentials can outlive one hour.
//
// The identity id is returned with the credentials so that callers can keep
// it and skip GetId next time. Provider is an aws.CredentialsProvider;
// wrap it in aws.NewCredentialsCache.
package identitypool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/loginwithcognito/cognitologin/internal/awserr"
)

// ProviderName is written into aws.Credentials.Source.
const ProviderName = "CognitoIdentityPoolProvider"

// APIClient is the part of the cognitoidentity client this package uses;
// *cognitoidentity.Client implements it.
type APIClient interface {
	GetId(ctx context.Context, in *ci.GetIdInput, optFns ...func(*ci.Options)) (*ci.GetIdOutput, error)
	GetCredentialsForIdentity(ctx context.Context, in *ci.GetCredentialsForIdentityInput, optFns ...func(*ci.Options)) (*ci.GetCredentialsForIdentityOutput, error)
	GetOpenIdToken(ctx context.Context, in *ci.GetOpenIdTokenInput, optFns ...func(*ci.Options)) (*ci.GetOpenIdTokenOutput, error)
}

// STSAPIClient is the part of the sts client the basic flow uses;
// *sts.Client implements it.
type STSAPIClient interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error)
}

// Flow selects how tokens become credentials.
type Flow string

const (
	// FlowEnhanced is GetId → GetCredentialsForIdentity.
	FlowEnhanced Flow = "enhanced"
	// FlowBasic is GetId → GetOpenIdToken → STS AssumeRoleWithWebIdentity.
	FlowBasic Flow = "basic"
)

// Duration limits of AssumeRoleWithWebIdentity.
const (
	MinDuration = 15 * time.Minute
	MaxDuration = 12 * time.Hour
)

// Options configure a Client.
type Options struct {
	// Flow is the credentials flow. Default FlowEnhanced.
	Flow Flow
	// RoleARN is, in the enhanced flow, an optional custom role for
	// GetCredentialsForIdentity to pick; in the basic flow, the role to
	// assume (required).
	RoleARN string
	// Duration is the basic flow's session duration. Default one hour.
	Duration time.Duration
	// STS is the STS client, required by the basic flow.
	STS STSAPIClient
	// RoleSessionName names the basic flow's role session. Default
	// "cognito-login".
	RoleSessionName string
}

// Client gets credentials from one identity pool.
type Client struct {
	api            APIClient
	identityPoolID string
	opts           Options
}

// New returns a Client for identityPoolID ("<region>:<uuid>").
func New(api APIClient, identityPoolID string, optFns ...func(*Options)) (*Client, error) {
	opts := Options{Flow: FlowEnhanced, Duration: time.Hour, RoleSessionName: "cognito-login"}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.Flow == "" {
		opts.Flow = FlowEnhanced
	}
	if opts.Duration == 0 {
		opts.Duration = time.Hour
	}
	if opts.RoleSessionName == "" {
		opts.RoleSessionName = "cognito-login"
	}
	if _, _, ok := strings.Cut(identityPoolID, ":"); !ok {
		return nil, fmt.Errorf("identitypool: identity pool id %q is not of the form <region>:<uuid>", identityPoolID)
	}
	switch opts.Flow {
	case FlowEnhanced:
	case FlowBasic:
		if opts.RoleARN == "" {
			return nil, errors.New("identitypool: the basic flow needs a role ARN to assume")
		}
		if opts.STS == nil {
			return nil, errors.New("identitypool: the basic flow needs an STS client")
		}
		if opts.Duration < MinDuration || opts.Duration > MaxDuration {
			return nil, fmt.Errorf("identitypool: duration %s is outside %s..%s", opts.Duration, MinDuration, MaxDuration)
		}
	default:
		return nil, fmt.Errorf("identitypool: unknown flow %q (want %q or %q)", opts.Flow, FlowEnhanced, FlowBasic)
	}
	return &Client{api: api, identityPoolID: identityPoolID, opts: opts}, nil
}

// LoginsKey is the Logins map key for ID tokens of a user pool:
// "cognito-idp.<region>.amazonaws.com/<userPoolId>".
func LoginsKey(userPoolID string) string {
	region, _, _ := strings.Cut(userPoolID, "_")
	return "cognito-idp." + region + ".amazonaws.com/" + userPoolID
}

// Result is what GetCredentials returns.
type Result struct {
	Credentials aws.Credentials
	// IdentityID is the Cognito identity; keep it and pass it next time to
	// skip GetId.
	IdentityID string
	// ServerTime is the service's clock (its Date header) when it answered,
	// or zero: Credentials.Expires is on that clock.
	ServerTime time.Time
}

// Error is a failed step of getting credentials.
type Error struct {
	Op   string // "GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "AssumeRoleWithWebIdentity"
	Code string // the service's error code, when it answered
	Hint string // what a person can do
	Err  error
}

func (e *Error) Error() string {
	s := e.Op + ": " + awserr.Describe(e.Err)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying the same thing again later may help:
// the service throttled the request or failed in a way that passes (a
// server error, a connection that failed or timed out, an answer cut off)
// and the SDK's own retries did not get through. A refusal (the identity
// pool does not accept the tokens, no such pool, …) is not retryable.
func (e *Error) Retryable() bool { return awserr.Transient(e.Err) }

func wrap(op string, err error) error {
	e := &Error{Op: op, Err: err}
	var de *smithy.DeserializationError
	switch {
	case awserr.Transient(err):
		e.Hint = "this is likely temporary: try again in a moment"
	case errors.As(err, &de):
		e.Hint = "check the endpoint (AWS_ENDPOINT_URL) and any proxy in between; if it persists, try again later"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
		switch e.Code {
		case "NotAuthorizedException":
			e.Hint = "the identity pool does not accept this sign-in: check that it lists the user pool and app client as an authentication provider, and that the tokens are fresh"
		case "ResourceNotFoundException":
			e.Hint = "check identity_pool_id and region"
		case "InvalidIdentityPoolConfigurationException":
			e.Hint = "the identity pool has no role for authenticated users (or the role's trust policy does not allow it)"
		case "AccessDenied", "AccessDeniedException":
			e.Hint = "the role's trust policy must allow sts:AssumeRoleWithWebIdentity for cognito-identity.amazonaws.com and this identity pool"
		case "ValidationError":
			if strings.Contains(ae.ErrorMessage(), "DurationSeconds") {
				e.Hint = "lower duration to at most the role's maximum session duration"
			}
		case "TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException":
			e.Hint = "wait a little and try again"
		}
	}
	return e
}

// GetCredentials exchanges logins (provider name → token, see LoginsKey)
// for credentials. identityID may be empty; then GetId finds it. A cached
// identity id the pool no longer knows is looked up again once.
func (c *Client) GetCredentials(ctx context.Context, logins map[string]string, identityID string) (*Result, error) {
	cached := identityID != ""
	for {
		if identityID == "" {
			out, err := c.api.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(c.identityPoolID), Logins: logins})
			if err != nil {
				return nil, wrap("GetId", err)
			}
			identityID = aws.ToString(out.IdentityId)
			if identityID == "" {
				return nil, &Error{Op: "GetId", Err: errors.New("the identity pool returned no identity id")}
			}
		}
		res, err := c.credentials(ctx, logins, identityID)
		var ae smithy.APIError
		if err != nil && cached && errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException" {
			identityID, cached = "", false
			continue
		}
		return res, err
	}
}

func (c *Client) credentials(ctx context.Context, logins map[string]string, identityID string) (*Result, error) {
	if c.opts.Flow == FlowBasic {
		tok, err := c.api.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: aws.String(identityID), Logins: logins})
		if err != nil {
			return nil, wrap("GetOpenIdToken", err)
		}
		if aws.ToString(tok.Token) == "" {
			return nil, &Error{Op: "GetOpenIdToken", Err: errors.New("the identity pool returned no OpenID token")}
		}
		out, err := c.opts.STS.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(c.opts.RoleARN),
			RoleSessionName:  aws.String(c.opts.RoleSessionName),
			WebIdentityToken: tok.Token,
			DurationSeconds:  aws.Int32(int32(c.opts.Duration / time.Second)),
		})
		if err != nil {
			return nil, wrap("AssumeRoleWithWebIdentity", err)
		}
		if out.Credentials == nil {
			return nil, &Error{Op: "AssumeRoleWithWebIdentity", Err: errors.New("STS returned no credentials")}
		}
		cr := out.Credentials
		creds, err := validate("AssumeRoleWithWebIdentity", aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey),
			aws.ToString(cr.SessionToken), cr.Expiration)
		if err != nil {
			return nil, err
		}
		st, _ := awsmiddleware.GetServerTime(out.ResultMetadata)
		return &Result{Credentials: creds, IdentityID: identityID, ServerTime: st}, nil
	}
	in := &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityID), Logins: logins}
	if c.opts.RoleARN != "" {
		in.CustomRoleArn = aws.String(c.opts.RoleARN)
	}
	out, err := c.api.GetCredentialsForIdentity(ctx, in)
	if err != nil {
		return nil, wrap("GetCredentialsForIdentity", err)
	}
	if out.Credentials == nil {
		return nil, &Error{Op: "GetCredentialsForIdentity", Err: errors.New("the identity pool returned no credentials")}
	}
	cr := out.Credentials
	creds, err := validate("GetCredentialsForIdentity", aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretKey),
		aws.ToString(cr.SessionToken), cr.Expiration)
	if err != nil {
		return nil, err
	}
	if id := aws.ToString(out.IdentityId); id != "" {
		identityID = id
	}
	st, _ := awsmiddleware.GetServerTime(out.ResultMetadata)
	return &Result{Credentials: creds, IdentityID: identityID, ServerTime: st}, nil
}

// validate refuses credentials a server should never send: missing parts,
// or an expiry in the distant past or future.
func validate(op, akid, secret, token string, exp *time.Time) (aws.Credentials, error) {
	if akid == "" || secret == "" || token == "" {
		return aws.Credentials{}, &Error{Op: op, Err: errors.New("the answer lacks an access key id, secret key or session token")}
	}
	if exp == nil || exp.IsZero() {
		return aws.Credentials{}, &Error{Op: op, Err: errors.New("the answer has no expiration")}
	}
	if exp.Year() < 2000 || exp.Year() > 3000 {
		return aws.Credentials{}, &Error{Op: op, Err: fmt.Errorf("the answer's expiration %s is not plausible", exp.UTC().Format(time.RFC3339))}
	}
	return aws.Credentials{
		AccessKeyID:     akid,
		SecretAccessKey: secret,
		SessionToken:    token,
		Source:          ProviderName,
		CanExpire:       true,
		Expires:         exp.UTC(),
	}, nil
}

// LoginsFunc returns the current Logins map (refreshing tokens if it must).
type LoginsFunc func(ctx context.Context) (map[string]string, error)

// Provider is an aws.CredentialsProvider that gets credentials from an
// identity pool with the logins a LoginsFunc supplies. It does no caching
// or locking of its own: wrap it in aws.NewCredentialsCache. It remembers
// the identity id after the first call.
type Provider struct {
	client *Client
	logins LoginsFunc
	idCh   chan string // holds the identity id; a channel of one so Retrieve is safe concurrently
}

// NewProvider returns a Provider. identityID may be empty.
func NewProvider(c *Client, logins LoginsFunc, identityID string) *Provider {
	p := &Provider{client: c, logins: logins, idCh: make(chan string, 1)}
	p.idCh <- identityID
	return p
}

// Retrieve implements aws.CredentialsProvider.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	logins, err := p.logins(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	var id string
	select {
	case id = <-p.idCh:
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
	res, err := p.client.GetCredentials(ctx, logins, id)
	if err == nil {
		id = res.IdentityID
	}
	p.idCh <- id
	if err != nil {
		return aws.Credentials{}, err
	}
	return res.Credentials, nil
}

// IdentityID returns the identity id the provider has learned, or "".
func (p *Provider) IdentityID() string {
	id := <-p.idCh
	p.idCh <- id
	return id
}
