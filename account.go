package cognitologin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loginwithcognito/cognitologin/sessionstore"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// pendingLifetime is how long Cognito keeps a challenge session open.
const pendingLifetime = 3 * time.Minute

// storedPending is a pending challenge as kept between two invocations.
type storedPending struct {
	Version int               `json:"version"`
	Saved   time.Time         `json:"saved"`
	Pending *userpool.Pending `json:"pending"`
}

func (c *Client) pendingName() string { return c.env.Name + ".pending" }

// SavePending keeps an unanswered challenge (from a *userpool.ChallengeError)
// so that a later ResumeLogin, in this or another process, can answer it.
// It holds the challenge session, a secret: it is stored like a session.
func (c *Client) SavePending(p *userpool.Pending) error {
	st, err := c.store()
	if err != nil {
		return err
	}
	data, err := json.Marshal(storedPending{Version: SessionVersion, Saved: c.opts.Now().UTC(), Pending: p})
	if err != nil {
		return err
	}
	return st.Save(c.pendingName(), data)
}

// ErrNoPendingChallenge means there is nothing to resume.
var ErrNoPendingChallenge = errors.New("no sign-in is waiting for an answer")

// PendingChallenge returns the saved unanswered challenge, or
// ErrNoPendingChallenge when there is none or it has expired.
func (c *Client) PendingChallenge() (*userpool.Pending, error) {
	st, err := c.store()
	if err != nil {
		return nil, err
	}
	data, err := st.Load(c.pendingName())
	if errors.Is(err, sessionstore.ErrNotFound) {
		return nil, ErrNoPendingChallenge
	}
	if err != nil {
		return nil, err
	}
	var sp storedPending
	if json.Unmarshal(data, &sp) != nil || sp.Version != SessionVersion || sp.Pending == nil || sp.Pending.Session == "" {
		_ = st.Delete(c.pendingName())
		return nil, fmt.Errorf("%w (the saved challenge was unreadable and is removed)", ErrNoPendingChallenge)
	}
	if age := c.opts.Now().Sub(sp.Saved); age > pendingLifetime {
		_ = st.Delete(c.pendingName())
		return nil, fmt.Errorf("%w: the %s challenge saved %s ago has expired (Cognito keeps it %s); sign in again",
			ErrNoPendingChallenge, sp.Pending.Challenge, age.Round(time.Second), pendingLifetime)
	}
	return sp.Pending, nil
}

// ResumeLogin answers the saved challenge (through the handler), finishes
// the sign-in and stores the session, like Login.
func (c *Client) ResumeLogin(ctx context.Context) (*Session, error) {
	p, err := c.PendingChallenge()
	if err != nil {
		return nil, err
	}
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	st, _ := c.store()
	prev, _ := c.load(st)
	start := c.opts.Now()
	tok, err := c.up.Resume(ctx, p, func(o *userpool.SignInOptions) { o.Device = c.prevDevice(prev, p.LoginName) })
	var ce *userpool.ChallengeError
	if errors.As(err, &ce) && ce.Pending != nil {
		// Still unanswered (or a further challenge): keep it for next time.
		if serr := c.SavePending(ce.Pending); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	_ = st.Delete(c.pendingName())
	if err != nil {
		return nil, err
	}
	s, err := c.afterSignIn(ctx, p.LoginName, tok, prev, start)
	if err != nil {
		return nil, err
	}
	return s, c.save(ctx, st, s, true)
}

// ClearPending forgets a saved challenge.
func (c *Client) ClearPending() error {
	st, err := c.store()
	if err != nil {
		return err
	}
	return st.Delete(c.pendingName())
}

// UserPool returns the user pool client (for the password and device
// operations that need no session).
func (c *Client) UserPool(ctx context.Context) (*userpool.Client, error) {
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	return c.up, nil
}

// AccessToken returns a valid access token from the stored session,
// refreshing the tokens (not the AWS credentials) when they are due.
func (c *Client) AccessToken(ctx context.Context) (string, *Session, error) {
	// Callers go on to use the user pool client.
	if err := c.init(ctx); err != nil {
		return "", nil, err
	}
	st, err := c.store()
	if err != nil {
		return "", nil, err
	}
	s, err := c.load(st)
	if err != nil {
		return "", nil, err
	}
	if err := c.usable(s); err != nil {
		return "", s, err
	}
	if c.opts.Now().Add(c.opts.ExpiryWindow).Before(s.TokensExpire) {
		return s.AccessToken, s, nil
	}
	unlock, err := c.lock(ctx, st)
	if err != nil {
		return "", s, err
	}
	defer unlock()
	if s, err = c.load(st); err != nil {
		return "", nil, err
	}
	if err := c.refreshTokens(ctx, st, s); err != nil {
		return "", s, err
	}
	return s.AccessToken, s, c.save(ctx, st, s, false)
}

// SetupAuthenticator starts authenticator-app (TOTP) setup for the signed-in
// user: it returns the secret and otpauth:// URI to show. The pool keeps the
// association until VerifyAuthenticator confirms it, in this or a later
// process.
func (c *Client) SetupAuthenticator(ctx context.Context) (secret, uri string, err error) {
	tok, s, err := c.AccessToken(ctx)
	if err != nil {
		return "", "", err
	}
	account := s.LoginName
	if account == "" {
		account = s.Username
	}
	return c.up.AssociateAuthenticator(ctx, tok, account)
}

// VerifyAuthenticator confirms the authenticator associated last with its
// current code and makes TOTP the user's preferred MFA.
func (c *Client) VerifyAuthenticator(ctx context.Context, code, deviceName string) error {
	tok, _, err := c.AccessToken(ctx)
	if err != nil {
		return err
	}
	if err := c.up.VerifyAuthenticator(ctx, tok, code, deviceName); err != nil {
		return err
	}
	return c.up.SetMFAPreference(ctx, tok, []string{userpool.MFATypeTOTP}, userpool.MFATypeTOTP)
}

// SetMFAPreference enables MFA types for the signed-in user and picks the
// preferred one (see userpool.Client.SetMFAPreference).
func (c *Client) SetMFAPreference(ctx context.Context, enabled []string, preferred string) error {
	tok, _, err := c.AccessToken(ctx)
	if err != nil {
		return err
	}
	return c.up.SetMFAPreference(ctx, tok, enabled, preferred)
}

// ChangePassword changes the signed-in user's password.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	tok, _, err := c.AccessToken(ctx)
	if err != nil {
		return err
	}
	return c.up.ChangePassword(ctx, tok, oldPassword, newPassword)
}

// Devices lists the signed-in user's devices; this device's key is
// returned too ("" when the session has none).
func (c *Client) Devices(ctx context.Context) ([]userpool.DeviceInfo, string, error) {
	tok, s, err := c.AccessToken(ctx)
	if err != nil {
		return nil, "", err
	}
	list, err := c.up.ListDevices(ctx, tok)
	this := ""
	if s.Device != nil {
		this = s.Device.Key
	}
	return list, this, err
}

// ForgetDevice makes the pool forget a device of the signed-in user; when
// it is this device, the session stops presenting it.
func (c *Client) ForgetDevice(ctx context.Context, key string) error {
	tok, s, err := c.AccessToken(ctx)
	if err != nil {
		return err
	}
	if err := c.up.ForgetDevice(ctx, tok, key); err != nil {
		return err
	}
	if s.Device == nil || s.Device.Key != key {
		return nil
	}
	st, _ := c.store()
	unlock, err := c.lock(ctx, st)
	if err != nil {
		return err
	}
	defer unlock()
	if s, err = c.load(st); err != nil {
		return err
	}
	s.Device = nil
	return c.save(ctx, st, s, false)
}
