package cognitotest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Tokens: ID and access tokens are RS256 JWTs with Cognito's claims; the
// refresh token is an opaque string shaped like Cognito's JWE and tracked
// server-side. One RSA key per Server signs for all its pools: generating
// a 2048-bit key per pool would make every test that creates a pool pay for
// it, and nothing a client can observe depends on pools having distinct keys
// (each pool's JWKS lists the key with a stable kid).

type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// signingKey returns the Server's key, generating it on first use. It takes
// no lock of the Server's, so it may be called with s.mu held.
// GenerateKeys makes the RSA key that signs tokens now, instead of at the
// first sign-in (RSA key generation takes from tens of milliseconds to
// about a second), so that the first sign-in's timing shows the sign-in.
func (s *Server) GenerateKeys() error {
	_, err := s.signingKey()
	return err
}

func (s *Server) signingKey() (*signingKey, error) {
	s.idp.keyOnce.Do(func() {
		priv, err := rsa.GenerateKey(s.opts.Rand, 2048)
		if err != nil {
			s.idp.keyErr = fmt.Errorf("cognitotest: generate RSA key: %w", err)
			return
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			s.idp.keyErr = fmt.Errorf("cognitotest: marshal RSA key: %w", err)
			return
		}
		sum := sha256.Sum256(der)
		s.idp.key = &signingKey{priv: priv, kid: base64.StdEncoding.EncodeToString(sum[:])}
	})
	return s.idp.key, s.idp.keyErr
}

func (s *Server) issuer(userPoolID string) string {
	return "https://cognito-idp." + s.opts.Region + ".amazonaws.com/" + userPoolID
}

func (s *Server) signJWT(claims map[string]any) (string, error) {
	key, err := s.signingKey()
	if err != nil {
		return "", err
	}
	return signRS256(key.priv, key.kid, "", claims)
}

// maxTokenLength bounds what parseJWT looks at; Cognito's are ~1 KB.
const maxTokenLength = 16 << 10

var errBadToken = errors.New("cognitotest: token is not a JWT signed by this emulator")

// parseJWT checks a JWT's RS256 signature against the Server's key and
// returns its claims, numbers as json.Number. Expiry and use are the
// caller's to check.
func (s *Server) parseJWT(token string) (map[string]any, error) {
	if len(token) > maxTokenLength {
		return nil, errBadToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, errBadToken
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Alg != "RS256" {
		return nil, errBadToken
	}
	key, err := s.signingKey()
	if err != nil {
		return nil, err
	}
	if hdr.Kid != key.kid {
		return nil, errBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errBadToken
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.priv.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errBadToken
	}
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, errBadToken
	}
	return claims, nil
}

func claimString(c map[string]any, name string) string {
	v, _ := c[name].(string)
	return v
}

func claimTime(c map[string]any, name string) (time.Time, bool) {
	n, ok := c[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	i, err := n.Int64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(i, 0), true
}

// newRefreshTokenString makes an opaque token shaped like Cognito's JWE, so
// clients that look at its form see what they would from AWS.
func (s *Server) newRefreshTokenString() string {
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`))
	parts := []string{hdr}
	for _, n := range []int{256, 12, 512, 16} {
		b := make([]byte, n)
		if _, err := io.ReadFull(s.opts.Rand, b); err != nil {
			panic("cognitotest: randomness source failed: " + err.Error())
		}
		parts = append(parts, base64.RawURLEncoding.EncodeToString(b))
	}
	return strings.Join(parts, ".")
}

// issueTokensLocked completes a sign-in: a new refresh token and the ID and
// access tokens that go with it. deviceKey, when set, binds them to a device:
// the access token names it and refreshing needs it.
func (s *Server) issueTokensLocked(c *appClient, p *userPool, u *poolUser, deviceKey string) (*authResultJSON, *apiError) {
	return s.issueGrantLocked(c, p, u, deviceKey, nil, "")
}

// issueGrantLocked is issueTokensLocked for a hosted UI sign-in too: scopes
// (nil for the API) and the OpenID Connect nonce are recorded with the
// refresh token.
func (s *Server) issueGrantLocked(c *appClient, p *userPool, u *poolUser, deviceKey string, scopes []string, nonce string) (*authResultJSON, *apiError) {
	now := s.now()
	rt := &refreshToken{
		userPoolID: p.id,
		clientID:   c.id,
		username:   u.username,
		sub:        u.sub,
		originJTI:  s.randomUUID(),
		authTime:   now,
		expires:    now.Add(c.refreshValidity),
		deviceKey:  deviceKey,
		scopes:     scopes,
		nonce:      nonce,
	}
	tok := s.newRefreshTokenString()
	res, aerr := s.issueFromRefreshLocked(c, p, u, rt)
	rt.nonce = ""
	if aerr != nil {
		return nil, aerr
	}
	s.idp.refreshTokens[tok] = rt
	res.RefreshToken = tok
	return res, nil
}

// issueFromRefreshLocked signs ID and access tokens tied to rt by origin_jti.
func (s *Server) issueFromRefreshLocked(c *appClient, p *userPool, u *poolUser, rt *refreshToken) (*authResultJSON, *apiError) {
	now := s.now()
	iat := now.Unix()
	eventID := s.randomUUID()
	idClaims := map[string]any{
		"sub":              u.sub,
		"iss":              s.issuer(p.id),
		"aud":              c.id,
		"token_use":        "id",
		"auth_time":        rt.authTime.Unix(),
		"iat":              iat,
		"exp":              now.Add(c.idValidity).Unix(),
		"jti":              s.randomUUID(),
		"origin_jti":       rt.originJTI,
		"event_id":         eventID,
		"cognito:username": u.username,
	}
	for k, v := range u.attrs {
		switch {
		case k == "sub":
		case strings.HasSuffix(k, "_verified"):
			idClaims[k] = v == "true"
		default:
			idClaims[k] = v
		}
	}
	scope := "aws.cognito.signin.user.admin"
	if rt.scopes != nil {
		scope = strings.Join(rt.scopes, " ")
	}
	accessClaims := map[string]any{
		"sub":        u.sub,
		"iss":        s.issuer(p.id),
		"client_id":  c.id,
		"token_use":  "access",
		"scope":      scope,
		"auth_time":  rt.authTime.Unix(),
		"iat":        iat,
		"exp":        now.Add(c.accessValidity).Unix(),
		"jti":        s.randomUUID(),
		"origin_jti": rt.originJTI,
		"event_id":   eventID,
		"username":   u.username,
	}
	if rt.deviceKey != "" {
		accessClaims["device_key"] = rt.deviceKey
	}
	if rt.scopes != nil {
		// What Cognito's token endpoint adds: the access token's version,
		// and in the ID token the access token's hash and the nonce.
		accessClaims["version"] = 2
	}
	accessTok, err := s.signJWT(accessClaims)
	if err != nil {
		return nil, apiErr("InternalErrorException", "signing failed")
	}
	var idTok string
	if rt.scopes == nil || contains(rt.scopes, "openid") {
		if rt.scopes != nil {
			sum := sha256.Sum256([]byte(accessTok))
			idClaims["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
			if rt.nonce != "" {
				idClaims["nonce"] = rt.nonce
			}
		}
		idTok, err = s.signJWT(idClaims)
		if err != nil {
			return nil, apiErr("InternalErrorException", "signing failed")
		}
	}
	return &authResultJSON{
		AccessToken: accessTok,
		ExpiresIn:   int64(c.accessValidity / time.Second),
		IdToken:     idTok,
		TokenType:   "Bearer",
	}, nil
}

// poolFromIssuer returns the pool an "iss" claim names, if it is one of
// this emulator's.
func (s *Server) poolFromIssuer(iss string) *userPool {
	id, ok := strings.CutPrefix(iss, s.issuer(""))
	if !ok {
		return nil
	}
	return s.userPools[id]
}

// accessTokenUserLocked checks an access token for GetUser and friends.
func (s *Server) accessTokenUserLocked(token string) (*userPool, *poolUser, *apiError) {
	p, u, claims, aerr := s.accessTokenClaimsLocked(token)
	if aerr != nil {
		return nil, nil, aerr
	}
	// The user pool API takes access tokens that carry this scope: every
	// API sign-in's, and a hosted UI sign-in's that asked for it.
	if !contains(strings.Fields(claimString(claims, "scope")), scopeAdmin) {
		return nil, nil, apiErr(errNotAuthorized, "Access Token does not have required scopes")
	}
	return p, u, nil
}

// accessTokenClaimsLocked checks an access token (signature, pool, expiry,
// revocation, user) whatever its scopes, and returns its claims too.
func (s *Server) accessTokenClaimsLocked(token string) (*userPool, *poolUser, map[string]any, *apiError) {
	if token == "" {
		return nil, nil, nil, missingParam("AccessToken")
	}
	claims, err := s.parseJWT(token)
	if err != nil || claimString(claims, "token_use") != "access" {
		return nil, nil, nil, apiErr(errNotAuthorized, msgAccessTokenInvalid)
	}
	p := s.poolFromIssuer(claimString(claims, "iss"))
	if p == nil {
		return nil, nil, nil, apiErr(errNotAuthorized, msgAccessTokenInvalid)
	}
	exp, ok := claimTime(claims, "exp")
	if !ok {
		return nil, nil, nil, apiErr(errNotAuthorized, msgAccessTokenInvalid)
	}
	if !s.now().Before(exp) {
		return nil, nil, nil, apiErr(errNotAuthorized, msgAccessTokenExpired)
	}
	if s.idp.revokedOrigins[claimString(claims, "origin_jti")] {
		return nil, nil, nil, apiErr(errNotAuthorized, msgAccessTokenRevoked)
	}
	u := p.users[p.key(claimString(claims, "username"))]
	if u == nil || u.sub != claimString(claims, "sub") {
		return nil, nil, nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	if !u.enabled {
		return nil, nil, nil, apiErr(errNotAuthorized, msgUserDisabled)
	}
	return p, u, claims, nil
}

// verifyIDToken checks an ID token issued by this emulator: RS256 signature with the pool's key, not expired (s.now()), token_use "id", not revoked. It returns the user pool id (from iss), the "sub" claim and the client id (aud).
//
// It takes s.mu; a caller that already holds it uses verifyIDTokenLocked.
func (s *Server) verifyIDToken(token string) (userPoolID, sub, clientID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verifyIDTokenLocked(token)
}

// verifyIDTokenLocked is verifyIDToken for callers holding s.mu.
func (s *Server) verifyIDTokenLocked(token string) (userPoolID, sub, clientID string, err error) {
	claims, err := s.parseJWT(token)
	if err != nil {
		return "", "", "", err
	}
	if claimString(claims, "token_use") != "id" {
		return "", "", "", errors.New("cognitotest: token is not an ID token")
	}
	p := s.poolFromIssuer(claimString(claims, "iss"))
	if p == nil {
		return "", "", "", errors.New("cognitotest: ID token is from an unknown user pool")
	}
	exp, ok := claimTime(claims, "exp")
	if !ok {
		return "", "", "", errBadToken
	}
	if !s.now().Before(exp) {
		return "", "", "", errors.New("cognitotest: ID token has expired")
	}
	if s.idp.revokedOrigins[claimString(claims, "origin_jti")] {
		return "", "", "", errors.New("cognitotest: ID token has been revoked")
	}
	aud := claimString(claims, "aud")
	if c := s.appClients[aud]; c == nil || c.userPoolID != p.id {
		return "", "", "", errors.New("cognitotest: ID token is for an unknown app client")
	}
	sub = claimString(claims, "sub")
	if p.findBySub(sub) == nil {
		return "", "", "", errors.New("cognitotest: ID token's user no longer exists")
	}
	return p.id, sub, aud, nil
}

type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// JWKS returns the JSON Web Key Set of a user pool, as Cognito serves it at
// https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json
// (and this emulator at /<poolId>/.well-known/jwks.json).
func (s *Server) JWKS(userPoolID string) ([]byte, error) {
	s.mu.Lock()
	_, exists := s.userPools[userPoolID]
	s.mu.Unlock()
	if !exists {
		return nil, fmt.Errorf("cognitotest: user pool %s does not exist", userPoolID)
	}
	key, err := s.signingKey()
	if err != nil {
		return nil, err
	}
	pub := key.priv.PublicKey
	return json.Marshal(map[string][]jwk{"keys": {{
		Alg: "RS256",
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		Kid: key.kid,
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		Use: "sig",
	}}})
}

// serveWellKnown answers GET /<poolId>/.well-known/jwks.json and
// /<poolId>/.well-known/openid-configuration. It reports whether it handled
// the request; S3 never sees these paths, since bucket names cannot contain
// the underscore every pool id has.
func (s *Server) serveWellKnown(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[1] != ".well-known" || !strings.Contains(parts[0], "_") {
		return false
	}
	poolID := parts[0]
	var body []byte
	switch parts[2] {
	case "jwks.json":
		b, err := s.JWKS(poolID)
		if err != nil {
			writeWellKnownError(w, poolID)
			return true
		}
		body = b
	case "openid-configuration":
		s.mu.Lock()
		_, exists := s.userPools[poolID]
		s.mu.Unlock()
		if !exists {
			writeWellKnownError(w, poolID)
			return true
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base := scheme + "://" + r.Host
		body, _ = json.Marshal(map[string]any{
			"issuer":                                s.issuer(poolID),
			"jwks_uri":                              base + "/" + poolID + "/.well-known/jwks.json",
			"authorization_endpoint":                base + "/oauth2/authorize",
			"token_endpoint":                        base + "/oauth2/token",
			"userinfo_endpoint":                     base + "/oauth2/userInfo",
			"end_session_endpoint":                  base + "/logout",
			"revocation_endpoint":                   base + "/oauth2/revoke",
			"response_types_supported":              []string{"code"},
			"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
			"code_challenge_methods_supported":      []string{"S256"},
			"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		})
	default:
		return false
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
	return true
}

func writeWellKnownError(w http.ResponseWriter, poolID string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	b, _ := json.Marshal(map[string]string{"message": "User pool " + poolID + " does not exist."})
	w.Write(b)
}
