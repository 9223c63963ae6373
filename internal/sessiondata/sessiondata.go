// Package sessiondata is the stored session's format: what a sign-in leaves
// behind (tokens, identity id, temporary credentials, remembered device),
// its decoding with checks, and the rules for when cached credentials may
// still be handed out.
//
// Like envconfig it imports no AWS SDK package, so that serving cached
// credentials (cmd/cognito-login-credentials) starts in a couple of
// milliseconds. The root package re-exports its types.
package sessiondata

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/envconfig"
)

// Session sources.
const (
	SourceHostedUI = "hosted_ui"
	SourceExternal = "external"
)

// SessionVersion is the format version written into session files.
const SessionVersion = 1

// Session is what a sign-in leaves behind: the user pool tokens, the
// identity id and the latest temporary credentials. It holds secrets; its
// String method redacts them.
type Session struct {
	Version int `json:"version"`
	// Env, UserPoolID, ClientID and IdentityPoolID record which
	// configuration made the session, so a changed config is noticed.
	Env            string `json:"env"`
	Region         string `json:"region"`
	UserPoolID     string `json:"user_pool_id"`
	ClientID       string `json:"client_id"`
	IdentityPoolID string `json:"identity_pool_id"`
	// Source says how the tokens were obtained: "" the user pool API
	// (password, SRP, challenges), SourceHostedUI, or SourceExternal (a
	// token from another identity provider, which cannot be renewed here).
	Source string `json:"source,omitempty"`
	// Provider is, for SourceExternal, the identity pool's name for the
	// provider ("accounts.google.com").
	Provider string `json:"provider,omitempty"`
	// Guest marks an unauthenticated identity: no tokens at all.
	Guest bool `json:"guest,omitempty"`
	// LoginName is what the user typed; Username the pool's internal name.
	LoginName string `json:"login_name"`
	Username  string `json:"username"`
	Sub       string `json:"sub,omitempty"`

	IDToken      string    `json:"id_token"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokensExpire time.Time `json:"tokens_expire"`
	IdentityID   string    `json:"identity_id,omitempty"`
	// RefreshMethod is how the last refresh worked (see userpool), so
	// detection is done once.
	RefreshMethod string `json:"refresh_method,omitempty"`
	// ClockSkew is the services' clock minus ours, measured when the
	// credentials were obtained: their expiry is on the services' clock.
	ClockSkew time.Duration `json:"clock_skew_ns,omitempty"`
	// Device is the device the pool remembers for this user, with its
	// secret password; presented at sign-in (to skip MFA) and refresh.
	Device        *Device            `json:"device,omitempty"`
	Credentials   *StoredCredentials `json:"credentials,omitempty"`
	SignedInAt    time.Time          `json:"signed_in_at"`
	LastRefreshed time.Time          `json:"last_refreshed,omitempty"`
	// Stale, when set, says why the session can no longer be refreshed
	// (for example the refresh token was revoked). The session is kept so
	// that status can show it, but it is not used.
	Stale string `json:"stale,omitempty"`
}

// StoredCredentials are temporary AWS credentials as kept in a session.
type StoredCredentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`
	// Obtained is when they were received; with Expiration it gives their
	// lifetime, which bounds the renewal window (moto's last 90 seconds).
	Obtained time.Time `json:"obtained"`
}

// String redacts the secrets.
func (s Session) String() string {
	return fmt.Sprintf("Session{Env:%q User:%q IdentityID:%q TokensExpire:%s Credentials:%v Stale:%q tokens:[redacted]}",
		s.Env, s.Username, s.IdentityID, s.TokensExpire.UTC().Format(time.RFC3339), s.Credentials, s.Stale)
}

// GoString redacts like String.
func (s Session) GoString() string { return s.String() }

// String redacts the secret key and session token.
func (c *StoredCredentials) String() string {
	if c == nil {
		return "<none>"
	}
	return fmt.Sprintf("{AccessKeyID:%s Expiration:%s SecretAccessKey:[redacted] SessionToken:[redacted]}",
		c.AccessKeyID, c.Expiration.UTC().Format(time.RFC3339))
}

// ValidFor reports whether the credentials may still be handed out at now
// (on the services' clock) with renewal window w. The window is at most
// half the credentials' lifetime so that short-lived credentials (moto's
// last 90 s) are still reused. A nil receiver is not valid.
func (c *StoredCredentials) ValidFor(now time.Time, w time.Duration) bool {
	if c == nil || c.AccessKeyID == "" {
		return false
	}
	if life := c.Expiration.Sub(c.Obtained); c.Obtained.Before(c.Expiration) && w > life/2 {
		w = life / 2
	}
	return now.Add(w).Before(c.Expiration)
}

// ErrCorruptSession reports a session file that cannot be used.
var ErrCorruptSession = errors.New("session is corrupt")

// maxSessionSize bounds a session blob.
const maxSessionSize = 1 << 20

// DecodeSession parses a stored session, checking its version and the
// presence of what a session must have.
func DecodeSession(data []byte) (*Session, error) {
	if len(data) > maxSessionSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrCorruptSession, len(data))
	}
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON", ErrCorruptSession)
	}
	if s.Version != SessionVersion {
		return nil, fmt.Errorf("%w: format version %d, this program reads %d", ErrCorruptSession, s.Version, SessionVersion)
	}
	switch {
	case s.Guest:
		if s.IdentityID == "" {
			return nil, fmt.Errorf("%w: a guest session without an identity id", ErrCorruptSession)
		}
	case s.Source == SourceExternal:
		if s.IDToken == "" || s.Provider == "" {
			return nil, fmt.Errorf("%w: no token or provider", ErrCorruptSession)
		}
	case s.RefreshToken == "" && s.Stale == "":
		return nil, fmt.Errorf("%w: no refresh token", ErrCorruptSession)
	}
	if c := s.Credentials; c != nil && (c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "") {
		s.Credentials = nil
	}
	return &s, nil
}

// Encode serializes the session.
func (s *Session) Encode() ([]byte, error) {
	s.Version = SessionVersion
	return json.MarshalIndent(s, "", "  ")
}

// Unusable says why s cannot serve env e, or returns "" when it can: a
// session marked stale, or one made with a user pool, app client or
// identity pool other than those e now names.
func (s *Session) Unusable(e *envconfig.Env) string {
	if s.Stale != "" {
		return s.Stale
	}
	if s.UserPoolID != e.UserPoolID || s.ClientID != e.ClientID || s.IdentityPoolID != e.IdentityPoolID {
		return "the session was made with a different user pool, app client or identity pool than the config now names"
	}
	return ""
}

// Device is a device the user pool remembers for a user: its key and group
// key, and the random password whose SRP verifier the pool keeps. Password
// is a secret; String redacts it.
type Device struct {
	Key      string `json:"key"`
	GroupKey string `json:"group_key"`
	Password string `json:"password"`
	// Remembered is false when the pool tracks the device but the user
	// chose not to remember it (it then does not skip MFA).
	Remembered bool `json:"remembered"`
}

// String redacts the device password.
func (d Device) String() string {
	return fmt.Sprintf("Device{Key:%s Remembered:%v Password:[redacted]}", d.Key, d.Remembered)
}

// GoString redacts like String.
func (d Device) GoString() string { return d.String() }
