package cognitotest

import (
	"errors"
	"fmt"
	"time"
)

// This file is the Go seeding API for identity pools, roles and S3. It goes
// through the same internals as the wire API, so seeded state behaves
// exactly like state created by a client.

// IdentityPoolConfig describes an identity pool to create with
// CreateIdentityPool.
type IdentityPoolConfig struct {
	// Name is the pool name (letters, digits, '_' and spaces).
	Name string
	// UserPoolID and ClientID name the one trusted user pool app client.
	// With UserPoolID empty the pool trusts no user pool. With ClientID
	// empty, tokens for any client of the user pool are accepted.
	UserPoolID, ClientID string
	// AuthenticatedRoleARN and UnauthenticatedRoleARN are the pool's
	// roles. A role not registered with CreateRole is registered with a
	// maximum session duration of one hour.
	AuthenticatedRoleARN, UnauthenticatedRoleARN string
	// AllowUnauthenticated lets GetId be called without Logins
	// (unauthenticated, or guest, identities: GetCredentialsForIdentity
	// without Logins then gives UnauthenticatedRoleARN's credentials).
	AllowUnauthenticated bool
	// OpenIDProviders are external identity providers the pool trusts
	// (SupportedLoginProviders), named as in Logins: "accounts.google.com",
	// "www.amazon.com", an OIDC provider's issuer host. Their tokens are
	// the ones Server.ExternalToken issues; any audience is accepted.
	OpenIDProviders []string
}

// CreateIdentityPool creates an identity pool and returns its id
// ("<region>:<uuid>").
func (s *Server) CreateIdentityPool(cfg IdentityPoolConfig) (identityPoolID string, err error) {
	var providers []identityProvider
	if cfg.UserPoolID != "" {
		providers = append(providers, identityProvider{ProviderName: s.userPoolProviderName(cfg.UserPoolID), ClientID: cfg.ClientID})
	} else if cfg.ClientID != "" {
		return "", errors.New("cognitotest: IdentityPoolConfig.ClientID set without UserPoolID")
	}
	var loginProviders map[string]string
	for _, name := range cfg.OpenIDProviders {
		if loginProviders == nil {
			loginProviders = map[string]string{}
		}
		loginProviders[name] = ""
	}
	p, aerr := s.createIdentityPool(cfg.Name, cfg.AllowUnauthenticated, providers, loginProviders)
	if aerr != nil {
		return "", fmt.Errorf("cognitotest: %w", aerr)
	}
	roles := map[string]string{}
	if cfg.AuthenticatedRoleARN != "" {
		roles["authenticated"] = cfg.AuthenticatedRoleARN
	}
	if cfg.UnauthenticatedRoleARN != "" {
		roles["unauthenticated"] = cfg.UnauthenticatedRoleARN
	}
	if len(roles) > 0 {
		if aerr := s.setIdentityPoolRoles(p.id, roles); aerr != nil {
			s.mu.Lock()
			delete(s.identityPools, p.id)
			s.mu.Unlock()
			return "", fmt.Errorf("cognitotest: %w", aerr)
		}
	}
	return p.id, nil
}

// CreateRole registers an IAM role that identity pools and STS may use,
// with its maximum session duration (0 → 1h; IAM allows 1h up to 12h).
// Registering a role again changes its maximum session duration.
// AssumeRoleWithWebIdentity refuses roles that were never registered.
func (s *Server) CreateRole(roleARN string, maxSession time.Duration) error {
	if maxSession == 0 {
		maxSession = time.Hour
	}
	if maxSession < time.Hour || maxSession > 12*time.Hour {
		return fmt.Errorf("cognitotest: role %s: maximum session duration %v is outside 1h..12h", roleARN, maxSession)
	}
	if !validRoleARN(roleARN) {
		return fmt.Errorf("cognitotest: %q is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)", roleARN)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.identity.roles[roleARN]; ok {
		r.maxSession = maxSession
		return nil
	}
	s.identity.roles[roleARN] = s.newRoleLocked(roleARN, maxSession)
	return nil
}

// CreateBucket creates an empty S3 bucket.
func (s *Server) CreateBucket(name string) error {
	return s.createBucket(name)
}

// PutObject stores an object in an existing bucket. A zero lastModified
// means now (the server clock).
func (s *Server) PutObject(bucket, key string, body []byte, lastModified time.Time) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("cognitotest: invalid object key %q", key)
	}
	if lastModified.IsZero() {
		lastModified = s.now()
	}
	data := append([]byte(nil), body...)
	return s.putObject(bucket, key, newS3Object(data, lastModified, ""))
}

// Object returns a copy of a stored object's content, for tests that check
// what a client uploaded.
func (s *Server) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return nil, false
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), o.data...), true
}

// Credentials returns how many credential sets the emulator has issued
// (GetCredentialsForIdentity and AssumeRoleWithWebIdentity), for tests.
func (s *Server) Credentials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.creds)
}
