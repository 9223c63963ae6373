// Package cognitologin gives a program that is not a browser or a phone
// temporary AWS credentials for a person in an Amazon Cognito user pool:
// sign in (SRP by default, so the password never leaves the machine),
// exchange the tokens through an identity pool, keep the session, and
// refresh it without the password.
//
// The simplest use is the original library's API:
//
//	c, err := cognitologin.New(env)
//	creds, err := c.GetTemporaryCredentials(ctx, "alice", password)
//
// A program that runs for long stores a session with Login and then takes
// an aws.Config whose credentials renew themselves (AWSConfig), or an
// aws.CredentialsProvider (CredentialsProvider).
package cognitologin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/loginwithcognito/cognitologin/identitypool"
	"github.com/loginwithcognito/cognitologin/internal/envconfig"
	"github.com/loginwithcognito/cognitologin/sessionstore"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// ErrLoginRequired means there is no usable session: the person must sign
// in (cognito-login login). LoginRequiredError says why.
var ErrLoginRequired = errors.New("login required")

// LoginRequiredError explains why a stored session cannot be used.
type LoginRequiredError struct {
	Env    string
	Reason string
	Err    error
}

func (e *LoginRequiredError) Error() string {
	return fmt.Sprintf("no usable session for env %q: %s", e.Env, e.Reason)
}

// Unwrap lets errors.Is(err, ErrLoginRequired) match, and exposes the cause.
func (e *LoginRequiredError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrLoginRequired, e.Err}
	}
	return []error{ErrLoginRequired}
}

// Options configure a Client.
type Options struct {
	// AWSConfig is the SDK configuration to build clients from. Default:
	// config.LoadDefaultConfig with the env's region, loaded on first
	// network use, so AWS_ENDPOINT_URL*, AWS_CA_BUNDLE and proxies apply.
	AWSConfig *aws.Config
	// Store keeps sessions. Default: a file store in DefaultCacheDir.
	Store sessionstore.Store
	// Handler answers sign-in challenges (see userpool.ChallengeHandler).
	Handler userpool.ChallengeHandler
	// ExpiryWindow is how long before expiry credentials and tokens are
	// renewed. Default Env.ExpiryWindow, else 5 minutes (at most half
	// their lifetime).
	ExpiryWindow time.Duration
	// LockTimeout bounds the wait for another process's refresh. Default 30s.
	LockTimeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives debug lines (operations, timings), never secrets.
	// Default: discard.
	Logger *slog.Logger
	// RetryMaxBackoff caps the wait between two attempts of one call.
	// Default DefaultRetryMaxBackoff. Ignored when AWSConfig brings its own
	// Retryer.
	RetryMaxBackoff time.Duration
}

// Retries. Every call the client makes goes through the SDK's standard
// retryer, which retries throttling, HTTP 500/502/503/504, connection
// errors and timeouts with jittered exponential backoff; the client adds
// answers cut off before their end. A refusal (a wrong password, an
// expired refresh token) is never retried. The AWS config's own settings
// win: RetryMaxAttempts (AWS_MAX_ATTEMPTS), RetryMode adaptive
// (AWS_RETRY_MODE), or a Retryer of its own (which is used as it is, plus
// the cut-off answers check).
const (
	// DefaultRetryMaxAttempts is how many times one call is tried in all.
	DefaultRetryMaxAttempts = 3
	// DefaultRetryMaxBackoff caps the wait between attempts: a person is
	// waiting at a prompt, so at most about 4 s are spent waiting per call.
	DefaultRetryMaxBackoff = 2 * time.Second
)

// Client signs in to one Env and hands out its credentials.
type Client struct {
	env  Env
	opts Options

	storeMu sync.Mutex // guards opening the default store

	once    sync.Once
	initErr error
	awsCfg  aws.Config
	up      *userpool.Client
	ip      *identitypool.Client
	stsC    *sts.Client
}

// New returns a Client for env. It validates env and does no network I/O.
func New(env Env, optFns ...func(*Options)) (*Client, error) {
	if env.Origin == "" {
		env.Origin = "(Env in code)"
	}
	if err := env.Validate(); err != nil {
		return nil, err
	}
	opts := Options{ExpiryWindow: env.ExpiryWindow, LockTimeout: 30 * time.Second, Now: time.Now}
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ExpiryWindow <= 0 {
		opts.ExpiryWindow = envconfig.DefaultExpiryWindow
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.RetryMaxBackoff <= 0 {
		opts.RetryMaxBackoff = DefaultRetryMaxBackoff
	}
	return &Client{env: env, opts: opts}, nil
}

// Env returns the client's environment.
func (c *Client) Env() Env { return c.env }

// init builds the SDK clients on first network use, so that a cache hit
// costs no config loading.
func (c *Client) init(ctx context.Context) error {
	c.once.Do(func() {
		var cfg aws.Config
		if c.opts.AWSConfig != nil {
			cfg = c.opts.AWSConfig.Copy()
		} else {
			var err error
			cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(c.env.Region))
			var missing config.SharedConfigProfileNotExistError
			if errors.As(err, &missing) {
				// A stale AWS_PROFILE must not break sign-in: no call made
				// here is signed with the user's AWS credentials, so the
				// profile is not needed. Endpoint variables still apply.
				c.opts.Logger.Warn("ignoring the AWS config files: the selected profile does not exist", "profile", missing.Profile)
				cfg, err = loadConfigWithoutProfile(ctx, c.env.Region)
			}
			if err != nil {
				c.initErr = fmt.Errorf("loading the AWS SDK configuration: %w", err)
				return
			}
		}
		if cfg.Region == "" {
			cfg.Region = c.env.Region
		}
		cfg.Retryer = retryerFor(cfg, c.opts.RetryMaxBackoff)
		c.awsCfg = cfg
		// Every call made here is unsigned; anonymous credentials keep the
		// SDK from looking for (and maybe using) the user's own AWS keys.
		anon := cfg.Copy()
		anon.Credentials = aws.AnonymousCredentials{}
		anon.Region = c.env.Region
		c.up, c.initErr = userpool.New(cip.NewFromConfig(anon), c.env.UserPoolID, c.env.ClientID, func(o *userpool.Options) {
			o.ClientSecret = c.env.ClientSecret
			o.AuthFlow = userpool.AuthFlow(c.env.AuthFlow)
			o.Handler = c.opts.Handler
			o.Now = c.opts.Now
		})
		if c.initErr != nil {
			return
		}
		c.stsC = sts.NewFromConfig(anon)
		c.ip, c.initErr = identitypool.New(ci.NewFromConfig(anon), c.env.IdentityPoolID, func(o *identitypool.Options) {
			o.Flow = identitypool.Flow(c.env.CredentialsFlow)
			o.RoleARN = c.env.RoleARN
			o.Duration = c.env.Duration
			o.STS = c.stsC
		})
	})
	return c.initErr
}

// retryerFor is the Retryer for cfg: the SDK's standard (or, when cfg asks
// for it, adaptive) retryer with DefaultRetryMaxAttempts (or cfg's
// RetryMaxAttempts) and maxBackoff, or cfg's own Retryer; either way
// answers cut off before their end are retried too.
func retryerFor(cfg aws.Config, maxBackoff time.Duration) func() aws.Retryer {
	if given := cfg.Retryer; given != nil {
		return func() aws.Retryer {
			return &retryCutOff{RetryerV2: asRetryerV2(given())}
		}
	}
	attempts := cfg.RetryMaxAttempts
	if attempts <= 0 {
		attempts = DefaultRetryMaxAttempts
	}
	std := func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.MaxBackoff = maxBackoff
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(cutOffAnswer))
	}
	if cfg.RetryMode == aws.RetryModeAdaptive {
		return func() aws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) { o.StandardOptions = append(o.StandardOptions, std) })
		}
	}
	return func() aws.Retryer { return retry.NewStandard(std) }
}

// cutOffAnswer retries a request whose answer stopped before its end (the
// SDK reads an unexpected EOF while decoding it): like a connection reset,
// which the SDK retries, the request may or may not have been acted on.
func cutOffAnswer(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// retryCutOff adds cutOffAnswer to a Retryer the caller gave.
type retryCutOff struct{ aws.RetryerV2 }

func (r *retryCutOff) IsErrorRetryable(err error) bool {
	if cutOffAnswer(err) == aws.TrueTernary {
		return true
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

func asRetryerV2(r aws.Retryer) aws.RetryerV2 {
	if v, ok := r.(aws.RetryerV2); ok {
		return v
	}
	return retryerV1{r}
}

type retryerV1 struct{ aws.Retryer }

func (r retryerV1) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// loadConfigWithoutProfile loads the SDK config from the environment alone.
// The SDK insists that a profile named by AWS_PROFILE exists, so it is given
// an empty config file whose only profile is the one it is told to use.
func loadConfigWithoutProfile(ctx context.Context, region string) (aws.Config, error) {
	f, err := os.CreateTemp("", "cognito-login-empty-aws-config-")
	if err != nil {
		return aws.Config{}, err
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString("[default]\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return aws.Config{}, err
	}
	return config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithSharedConfigProfile("default"),
		config.WithSharedConfigFiles([]string{f.Name()}), config.WithSharedCredentialsFiles([]string{}))
}

// AWSConfigBase returns the SDK configuration the client uses (region,
// endpoints, HTTP client), without credentials of its own choosing.
func (c *Client) AWSConfigBase(ctx context.Context) (aws.Config, error) {
	if err := c.init(ctx); err != nil {
		return aws.Config{}, err
	}
	return c.awsCfg.Copy(), nil
}

// GetTemporaryCredentials signs user in with password and returns
// temporary AWS credentials (with their expiry in Expires). It stores
// nothing; see Login for a session that can be refreshed.
func (c *Client) GetTemporaryCredentials(ctx context.Context, user, password string) (aws.Credentials, error) {
	s, err := c.signIn(ctx, user, password)
	if err != nil {
		return aws.Credentials{}, err
	}
	return AWSCredentials(s.Credentials), nil
}

func (c *Client) signIn(ctx context.Context, user, password string) (*Session, error) {
	return c.signInReusing(ctx, user, password, nil)
}

// signInReusing signs in; prev, when it is a session of the same user for
// the same pools, lends its remembered device (so MFA can be skipped) and
// its identity id (so GetId is skipped).
func (c *Client) signInReusing(ctx context.Context, user, password string, prev *Session, optFns ...func(*userpool.SignInOptions)) (*Session, error) {
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	start := c.opts.Now()
	opts := append([]func(*userpool.SignInOptions){func(o *userpool.SignInOptions) { o.Device = c.prevDevice(prev, user) }}, optFns...)
	tok, err := c.up.SignIn(ctx, user, password, opts...)
	if err != nil {
		return nil, err
	}
	return c.afterSignIn(ctx, user, tok, prev, start)
}

// prevDevice is the device an earlier session of user in this user pool
// confirmed. A stale session's device still counts: devices outlive
// refresh tokens.
func (c *Client) prevDevice(prev *Session, user string) *userpool.Device {
	if prev == nil || prev.Device == nil || prev.UserPoolID != c.env.UserPoolID || prev.ClientID != c.env.ClientID ||
		(prev.LoginName != user && prev.Username != user) {
		return nil
	}
	return prev.Device
}

// afterSignIn makes the session from fresh tokens and gets credentials.
func (c *Client) afterSignIn(ctx context.Context, user string, tok *userpool.Tokens, prev *Session, start time.Time) (*Session, error) {
	c.opts.Logger.Debug("signed in", "user", tok.Username, "elapsed", c.opts.Now().Sub(start))
	s := &Session{
		Version: SessionVersion, Env: c.env.Name, Region: c.env.Region, UserPoolID: c.env.UserPoolID,
		ClientID: c.env.ClientID, IdentityPoolID: c.env.IdentityPoolID, LoginName: user,
		Username: tok.Username, Sub: tok.Sub, SignedInAt: c.opts.Now(), Device: tok.Device,
	}
	setTokens(s, tok)
	if prev != nil && prev.Sub != "" && prev.Sub == s.Sub && c.usable(prev) == nil {
		s.IdentityID = prev.IdentityID
	}
	if err := c.exchange(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

func setTokens(s *Session, t *userpool.Tokens) {
	s.IDToken, s.AccessToken, s.TokensExpire = t.IDToken, t.AccessToken, t.ExpiresAt
	if t.RefreshToken != "" {
		s.RefreshToken = t.RefreshToken
	}
	if t.Username != "" {
		s.Username = t.Username
	}
}

// exchange gets credentials for the session's ID token.
func (c *Client) exchange(ctx context.Context, s *Session) error {
	start := c.opts.Now()
	var logins map[string]string // none for a guest
	switch {
	case s.Guest:
	case s.Source == SourceExternal:
		logins = map[string]string{s.Provider: s.IDToken}
	default:
		logins = map[string]string{identitypool.LoginsKey(c.env.UserPoolID): s.IDToken}
	}
	res, err := c.ip.GetCredentials(ctx, logins, s.IdentityID)
	if err != nil {
		return err
	}
	s.IdentityID = res.IdentityID
	s.ClockSkew = 0
	if !res.ServerTime.IsZero() {
		// The Date header has one-second resolution: ignore less.
		if skew := res.ServerTime.Sub(c.opts.Now()); skew > 2*time.Second || skew < -2*time.Second {
			s.ClockSkew = skew
			c.opts.Logger.Debug("clock skew", "server_minus_local", skew.Round(time.Second))
		}
	}
	cr := res.Credentials
	s.Credentials = &StoredCredentials{
		AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken,
		Expiration: cr.Expires.UTC(), Obtained: c.opts.Now().Add(s.ClockSkew).UTC(), // on the services' clock, like Expiration
	}
	c.opts.Logger.Debug("credentials", "identity_id", s.IdentityID, "access_key_id", cr.AccessKeyID,
		"expires", cr.Expires.UTC().Format(time.RFC3339), "elapsed", c.opts.Now().Sub(start))
	return nil
}

// store returns the session store, opening the default one on first use.
func (c *Client) store() (sessionstore.Store, error) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	if c.opts.Store != nil {
		return c.opts.Store, nil
	}
	dir, err := DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(c.env, dir, nil)
	if err != nil {
		return nil, err
	}
	c.opts.Store = st
	return st, nil
}

// KeyringService is the service name sessions are kept under in the OS
// keyring.
const KeyringService = "cognito-login"

// OpenStore opens the session store env.SessionStore names: files in dir,
// or the OS keyring (with its locks and index in dir). warn, when set,
// receives messages such as permissions that were tightened.
func OpenStore(env Env, dir string, warn func(string)) (sessionstore.Store, error) {
	var opts []sessionstore.Option
	if warn != nil {
		opts = append(opts, sessionstore.WithWarn(warn))
	}
	if env.SessionStore == "keyring" {
		return sessionstore.NewKeyringStore(KeyringService, dir, opts...)
	}
	return sessionstore.NewFileStore(dir, opts...)
}

// PrepareSignIn does the password-independent part of a sign-in's SRP work
// ahead of time; call it (in a goroutine) before asking for the password.
func (c *Client) PrepareSignIn(ctx context.Context) {
	if c.init(ctx) == nil {
		c.up.Prepare()
	}
}

// Login signs in, gets credentials and stores the session, replacing any
// earlier one for this env. A device an earlier session of the same user
// confirmed is presented, so the pool can skip MFA. optFns tune the
// sign-in (for example the first factor of choice-based sign-in).
func (c *Client) Login(ctx context.Context, user, password string, optFns ...func(*userpool.SignInOptions)) (*Session, error) {
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	prev, _ := c.load(st) // a stale or corrupt session lends nothing
	s, err := c.signInReusing(ctx, user, password, prev, optFns...)
	if err != nil {
		return nil, err
	}
	return s, c.save(ctx, st, s, true)
}

func (c *Client) save(ctx context.Context, st sessionstore.Store, s *Session, lock bool) error {
	data, err := s.Encode()
	if err != nil {
		return err
	}
	if lock {
		unlock, err := c.lock(ctx, st)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if err := st.Save(c.env.Name, data); err != nil {
		return fmt.Errorf("saving the session: %w", err)
	}
	return nil
}

func (c *Client) lock(ctx context.Context, st sessionstore.Store) (func() error, error) {
	lctx, cancel := context.WithTimeout(ctx, c.opts.LockTimeout)
	defer cancel()
	unlock, err := st.Lock(lctx, c.env.Name)
	if err != nil {
		return nil, fmt.Errorf("waiting for another cognito-login process to finish with env %q: %w", c.env.Name, err)
	}
	return unlock, nil
}

// LoadSession returns the stored session for the env (which may be stale),
// or an error wrapping ErrLoginRequired when there is none or it is corrupt.
func (c *Client) LoadSession() (*Session, error) {
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	return c.load(st)
}

func (c *Client) load(st sessionstore.Store) (*Session, error) {
	data, err := st.Load(c.env.Name)
	if errors.Is(err, sessionstore.ErrNotFound) {
		return nil, &LoginRequiredError{Env: c.env.Name, Reason: "not signed in"}
	}
	if err != nil {
		return nil, &LoginRequiredError{Env: c.env.Name, Reason: "the session cannot be read (" + err.Error() + ")", Err: err}
	}
	s, err := DecodeSession(data)
	if err != nil {
		return nil, &LoginRequiredError{Env: c.env.Name, Reason: "the stored session is unusable (" + err.Error() + ")", Err: err}
	}
	return s, nil
}

// usable checks that a loaded session belongs to the current config.
func (c *Client) usable(s *Session) error {
	if why := s.Unusable(&c.env); why != "" {
		return &LoginRequiredError{Env: c.env.Name, Reason: why}
	}
	return nil
}

// Credentials returns credentials from the stored session: the cached ones
// while they are valid (no network), else after refreshing tokens and
// credentials. Concurrent callers in other processes wait for one refresh
// and reuse its result. It never prompts; with no usable session it fails
// with an error wrapping ErrLoginRequired.
func (c *Client) Credentials(ctx context.Context) (aws.Credentials, *Session, error) {
	st, err := c.store()
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	s, err := c.load(st)
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	if err := c.usable(s); err != nil {
		return aws.Credentials{}, s, err
	}
	if s.Credentials.ValidFor(c.opts.Now().Add(s.ClockSkew), c.opts.ExpiryWindow) {
		c.opts.Logger.Debug("cached credentials are valid", "expires", s.Credentials.Expiration.Format(time.RFC3339))
		return AWSCredentials(s.Credentials), s, nil
	}
	unlock, err := c.lock(ctx, st)
	if err != nil {
		return aws.Credentials{}, s, err
	}
	defer unlock()
	// Another process may have refreshed while we waited for the lock.
	if s, err = c.load(st); err != nil {
		return aws.Credentials{}, nil, err
	}
	if err := c.usable(s); err != nil {
		return aws.Credentials{}, s, err
	}
	if s.Credentials.ValidFor(c.opts.Now().Add(s.ClockSkew), c.opts.ExpiryWindow) {
		c.opts.Logger.Debug("another process refreshed the credentials")
		return AWSCredentials(s.Credentials), s, nil
	}
	if err := c.refresh(ctx, st, s); err != nil {
		return aws.Credentials{}, s, err
	}
	return AWSCredentials(s.Credentials), s, nil
}

// refresh renews tokens if due, then credentials, and saves; the caller
// holds the lock.
func (c *Client) refresh(ctx context.Context, st sessionstore.Store, s *Session) error {
	if err := c.refreshTokens(ctx, st, s); err != nil {
		return err
	}
	if err := c.exchange(ctx, s); err != nil {
		return err
	}
	s.LastRefreshed = c.opts.Now().UTC()
	return c.save(ctx, st, s, false)
}

// refreshTokens renews the user pool tokens when they are due. A refresh
// token the pool no longer accepts marks the session stale (saved, so that
// status can tell) and asks for a login. The caller holds the lock.
func (c *Client) refreshTokens(ctx context.Context, st sessionstore.Store, s *Session) error {
	if err := c.init(ctx); err != nil {
		return err
	}
	now := c.opts.Now()
	if s.Guest || now.Add(c.opts.ExpiryWindow).Before(s.TokensExpire) {
		return nil
	}
	switch s.Source {
	case SourceExternal:
		return &LoginRequiredError{Env: c.env.Name, Reason: fmt.Sprintf("the %s token has expired and cannot be renewed here: sign in again with a fresh one (login --id-token-stdin --provider %s)", s.Provider, s.Provider)}
	case SourceHostedUI:
		return c.refreshHostedUI(ctx, st, s)
	}
	tok, err := c.up.Refresh(ctx, s.RefreshToken, s.Username, func(o *userpool.SignInOptions) {
		o.Device, o.RefreshMethod = s.Device, s.RefreshMethod
	})
	if err != nil {
		if errors.Is(err, userpool.ErrRefreshTokenInvalid) {
			s.Stale = "the refresh token has expired or was revoked (" + now.UTC().Format(time.RFC3339) + ")"
			s.Credentials = nil
			if serr := c.save(ctx, st, s, false); serr != nil {
				c.opts.Logger.Debug("marking the session stale failed", "err", serr)
			}
			return &LoginRequiredError{Env: c.env.Name, Reason: s.Stale, Err: err}
		}
		return err
	}
	setTokens(s, tok)
	s.RefreshMethod = tok.RefreshMethod
	c.opts.Logger.Debug("refreshed tokens", "method", tok.RefreshMethod, "rotated", tok.Rotated,
		"expires", tok.ExpiresAt.UTC().Format(time.RFC3339))
	return nil
}

// sessionProvider is the aws.CredentialsProvider over the stored session.
type sessionProvider struct{ c *Client }

func (p sessionProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	cr, _, err := p.c.Credentials(ctx)
	return cr, err
}

// CredentialsProvider returns an aws.CredentialsProvider backed by the
// stored session, already wrapped in aws.NewCredentialsCache so that any
// number of goroutines cause one refresh.
func (c *Client) CredentialsProvider() aws.CredentialsProvider {
	return aws.NewCredentialsCache(sessionProvider{c}, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = c.opts.ExpiryWindow
	})
}

// AWSConfig returns an SDK configuration for the env's region whose
// credentials come from the stored session and renew themselves.
func (c *Client) AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := c.AWSConfigBase(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = c.CredentialsProvider()
	return cfg, nil
}

// Logout revokes the session's refresh token (which also revokes the ID and
// access tokens issued from it), or with global signs the user out of every
// device (GlobalSignOut), and forgets the session, its cached credentials
// and any half-finished sign-in. The local state is removed even if the
// service call fails; that error is returned. Having no session is not an
// error.
func (c *Client) Logout(ctx context.Context, global bool) error {
	st, err := c.store()
	if err != nil {
		return err
	}
	_ = st.Delete(c.pendingName())
	_ = st.Delete(c.guestName()) // cached guest credentials go too
	s, err := c.load(st)
	if errors.Is(err, ErrLoginRequired) {
		return st.Delete(c.env.Name)
	}
	if err != nil {
		return err
	}
	var callErr error
	switch {
	case s.Stale != "" || s.RefreshToken == "":
		// Nothing the pool would still accept.
	case global:
		var tok string
		if tok, _, callErr = c.AccessToken(ctx); callErr == nil {
			callErr = c.up.GlobalSignOut(ctx, tok)
		}
	default:
		if callErr = c.init(ctx); callErr == nil {
			callErr = c.up.Revoke(ctx, s.RefreshToken)
		}
	}
	unlock, err := c.lock(ctx, st)
	if err != nil {
		return err
	}
	defer unlock()
	if err := st.Delete(c.env.Name); err != nil {
		return err
	}
	return callErr
}
