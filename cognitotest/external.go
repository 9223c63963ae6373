package cognitotest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// External identity providers: the emulator stands in for Google, Login
// with Amazon or an OIDC provider an identity pool trusts
// (SupportedLoginProviders, IdentityPoolConfig.OpenIDProviders). It keeps
// one RSA key per provider name and issues that provider's ID tokens with
// ExternalToken; GetId, GetCredentialsForIdentity and GetOpenIdToken accept
// Logins {provider: token} when the identity pool lists the provider and
// the token verifies with that provider's key (signature, iss
// "https://"+provider, exp, and aud when the pool names one on the wire).

// externalKey is the signing key of one emulated provider.
type externalKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// validExternalProvider reports whether name can name a login provider.
func validExternalProvider(name string) bool {
	return name != "" && len(name) <= 128 && !strings.ContainsAny(name, " \t\r\n")
}

// externalKeyFor returns provider's key, generating it on first use. It
// takes s.mu, so it must be called without it.
func (s *Server) externalKeyFor(provider string, create bool) (*externalKey, error) {
	s.mu.Lock()
	k := s.identity.externalKeys[provider]
	s.mu.Unlock()
	if k != nil || !create {
		return k, nil
	}
	// crypto/rand rather than Options.Rand, as for identityKey.
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("cognitotest: generate a key for %s: %w", provider, err)
	}
	sum := sha256.Sum256(priv.PublicKey.N.Bytes())
	nk := &externalKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.identity.externalKeys[provider]; k != nil {
		return k, nil // another caller won the race
	}
	s.identity.externalKeys[provider] = nk
	return nk, nil
}

// ExternalToken issues an ID token as the external identity provider
// provider ("accounts.google.com") would: an RS256 JWT with iss
// "https://"+provider, sub subject, aud audience, iat now and exp now+ttl
// (ttl 0 means one hour; a negative ttl gives a token that has already
// expired). It is signed with a key the emulator keeps for that provider,
// so identity pools that list provider (IdentityPoolConfig.OpenIDProviders)
// accept it in Logins: the same subject always maps to the same identity.
func (s *Server) ExternalToken(provider, subject, audience string, ttl time.Duration) (string, error) {
	if !validExternalProvider(provider) {
		return "", fmt.Errorf("cognitotest: %q is not a provider name", provider)
	}
	if subject == "" {
		return "", errors.New("cognitotest: ExternalToken needs a subject")
	}
	if ttl == 0 {
		ttl = time.Hour
	}
	key, err := s.externalKeyFor(provider, true)
	if err != nil {
		return "", err
	}
	now := s.now()
	claims := map[string]any{
		"iss": "https://" + provider,
		"sub": subject,
		"aud": audience,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	return signRS256(key.priv, key.kid, "JWT", claims)
}

// loginRefusal is why a login token was refused: public is what the
// NotAuthorizedException says after "Invalid login token. ", reason what
// the log gets.
type loginRefusal struct{ public, reason string }

func (e *loginRefusal) Error() string { return e.reason }

func refuseLogin(public, reason string) error { return &loginRefusal{public: public, reason: reason} }

const msgCannotVerify = "Couldn't verify signed token."

// verifyExternalToken checks a token from ExternalToken for provider and
// returns its subject. audience, when not empty, must be its aud. It takes
// s.mu, so it must be called without it.
func (s *Server) verifyExternalToken(provider, token, audience string) (string, error) {
	if len(token) > maxTokenLength {
		return "", refuseLogin(msgCannotVerify, "token too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", refuseLogin(msgCannotVerify, "not a JWT")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return "", refuseLogin(msgCannotVerify, "not a JWT")
	}
	var hdr struct{ Alg, Kid string }
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Alg != "RS256" {
		return "", refuseLogin(msgCannotVerify, "unsupported JWT header")
	}
	key, err := s.externalKeyFor(provider, false)
	if err != nil || key == nil {
		return "", refuseLogin(msgCannotVerify, "no token was ever issued for "+provider)
	}
	if hdr.Kid != key.kid {
		return "", refuseLogin(msgCannotVerify, "kid is not "+provider+"'s")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.priv.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return "", refuseLogin(msgCannotVerify, "bad signature")
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return "", refuseLogin(msgCannotVerify, "bad claims")
	}
	if iss := claimString(claims, "iss"); iss != "https://"+provider && iss != provider {
		return "", refuseLogin("Issuer doesn't match providerName", "iss is "+iss)
	}
	exp, ok := claimTime(claims, "exp")
	if !ok {
		return "", refuseLogin(msgCannotVerify, "no exp")
	}
	if !s.now().Before(exp) {
		return "", refuseLogin("Token expired.", "token expired")
	}
	if audience != "" && !audienceHas(claims["aud"], audience) {
		return "", refuseLogin("Incorrect token audience.", "aud is not "+audience)
	}
	sub := claimString(claims, "sub")
	if sub == "" {
		return "", refuseLogin(msgCannotVerify, "no sub")
	}
	return sub, nil
}

func audienceHas(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		for _, a := range v {
			if s, _ := a.(string); s == want {
				return true
			}
		}
	}
	return false
}
