package cognitologin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loginwithcognito/cognitologin/hostedui"
	"github.com/loginwithcognito/cognitologin/sessionstore"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// HostedUIConfig is the env's hosted UI settings.
func (c *Client) HostedUIConfig() (hostedui.Config, error) {
	if c.env.Domain == "" {
		return hostedui.Config{}, &ConfigError{File: c.env.Origin, Env: c.env.Name, Key: "domain",
			Msg: "browser sign-in needs the user pool domain's base URL (e.g. domain = \"https://myapp.auth." + c.env.Region + ".amazoncognito.com\")"}
	}
	return hostedui.Config{Domain: c.env.Domain, ClientID: c.env.ClientID, ClientSecret: c.env.ClientSecret,
		RedirectPort: c.env.RedirectPort, Scopes: c.env.Scopes, IdentityProvider: c.env.IdentityProvider}, nil
}

// LoginBrowser signs in through the user pool's hosted UI (authorization
// code with PKCE; open shows the user the URL), then gets credentials and
// stores the session, like Login. No password passes through this program.
func (c *Client) LoginBrowser(ctx context.Context, open hostedui.Opener) (*Session, error) {
	cfg, err := c.HostedUIConfig()
	if err != nil {
		return nil, err
	}
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	start := c.opts.Now()
	tok, err := hostedui.Login(ctx, cfg, open)
	if err != nil {
		return nil, err
	}
	claims, err := userpool.DecodeClaims(tok.IDToken)
	if err != nil {
		return nil, fmt.Errorf("hosted UI: ID token: %w", err)
	}
	prev, _ := c.load(st)
	s, err := c.afterSignIn(ctx, claims.Username, &userpool.Tokens{IDToken: tok.IDToken, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken, ExpiresAt: tok.ExpiresAt, Username: claims.Username, Sub: claims.Sub}, prev, start)
	if err != nil {
		return nil, err
	}
	s.Source = SourceHostedUI
	return s, c.save(ctx, st, s, true)
}

// refreshHostedUI renews hosted UI tokens with the token endpoint's
// refresh grant. The caller holds the lock.
func (c *Client) refreshHostedUI(ctx context.Context, st sessionstore.Store, s *Session) error {
	cfg, err := c.HostedUIConfig()
	if err != nil {
		return err
	}
	tok, err := hostedui.Refresh(ctx, cfg, s.RefreshToken)
	var he *hostedui.Error
	if errors.As(err, &he) && he.Code == "invalid_grant" {
		s.Stale = "the refresh token has expired or was revoked (" + c.opts.Now().UTC().Format(time.RFC3339) + ")"
		s.Credentials = nil
		_ = c.save(ctx, st, s, false)
		return &LoginRequiredError{Env: c.env.Name, Reason: s.Stale, Err: err}
	}
	if err != nil {
		return err
	}
	s.IDToken, s.AccessToken, s.TokensExpire = tok.IDToken, tok.AccessToken, tok.ExpiresAt
	if tok.RefreshToken != "" {
		s.RefreshToken = tok.RefreshToken
	}
	return nil
}

// LoginWithToken uses an ID token from another identity provider that the
// identity pool trusts (provider is its name there: "accounts.google.com",
// "www.amazon.com", an OIDC provider's issuer host, ...). Such a token cannot
// be renewed by this program: when it expires, sign in again.
func (c *Client) LoginWithToken(ctx context.Context, provider, idToken string) (*Session, error) {
	if provider == "" || idToken == "" {
		return nil, errors.New("a provider name and a token are needed")
	}
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	claims, err := userpool.DecodeClaims(idToken)
	if err != nil {
		return nil, fmt.Errorf("the %s token: %w", provider, err)
	}
	exp := claims.Expires
	if exp.IsZero() {
		exp = c.opts.Now().Add(time.Hour)
	}
	s := &Session{Version: SessionVersion, Env: c.env.Name, Region: c.env.Region, UserPoolID: c.env.UserPoolID,
		ClientID: c.env.ClientID, IdentityPoolID: c.env.IdentityPoolID, Source: SourceExternal, Provider: provider,
		LoginName: claims.Sub, Username: claims.Sub, Sub: claims.Sub, IDToken: idToken, TokensExpire: exp,
		SignedInAt: c.opts.Now()}
	if prev, _ := c.load(st); prev != nil && prev.Source == SourceExternal && prev.Provider == provider && prev.Sub == s.Sub {
		s.IdentityID = prev.IdentityID
	}
	if err := c.exchange(ctx, s); err != nil {
		return nil, err
	}
	return s, c.save(ctx, st, s, true)
}

func (c *Client) guestName() string { return c.env.Name + ".guest" }

// GuestCredentials returns credentials for an unauthenticated (guest)
// identity, where the identity pool allows them. The guest identity and its
// credentials are kept (apart from any signed-in session) and reused while
// valid.
func (c *Client) GuestCredentials(ctx context.Context) (*Session, error) {
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	load := func() *Session {
		data, err := st.Load(c.guestName())
		if err != nil {
			return nil
		}
		s, err := DecodeSession(data)
		if err != nil || !s.Guest || s.IdentityPoolID != c.env.IdentityPoolID {
			return nil
		}
		return s
	}
	if s := load(); s != nil && s.Credentials.ValidFor(c.opts.Now().Add(s.ClockSkew), c.opts.ExpiryWindow) {
		return s, nil
	}
	unlock, err := st.Lock(ctx, c.guestName())
	if err != nil {
		return nil, err
	}
	defer unlock()
	s := load()
	if s != nil && s.Credentials.ValidFor(c.opts.Now().Add(s.ClockSkew), c.opts.ExpiryWindow) {
		return s, nil
	}
	if s == nil {
		s = &Session{Version: SessionVersion, Env: c.env.Name, Region: c.env.Region, UserPoolID: c.env.UserPoolID,
			ClientID: c.env.ClientID, IdentityPoolID: c.env.IdentityPoolID, Guest: true, SignedInAt: c.opts.Now()}
	}
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	if err := c.exchange(ctx, s); err != nil {
		return nil, err
	}
	data, err := s.Encode()
	if err != nil {
		return nil, err
	}
	return s, st.Save(c.guestName(), data)
}
