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
