package cognitotest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// The cognito-identity (identity pool) part of the emulator. Identity pools
// trust Cognito user pools (CognitoIdentityProviders; a login is an ID token
// checked with verifyIDToken) and external OpenID providers
// (SupportedLoginProviders; a login is a token from ExternalToken, see
// external.go).

// identityPool is a Cognito identity pool. Guarded by Server.mu.
type identityPool struct {
	id                   string
	name                 string
	allowUnauthenticated bool
	providers            []identityProvider
	// loginProviders are SupportedLoginProviders: provider name → the
	// audience its tokens must have ("" for any).
	loginProviders map[string]string
	roles          map[string]string // "authenticated" / "unauthenticated" → role ARN
}

// identityProvider is a trusted user pool app client, as in the API's
// CognitoIdentityProvider.
type identityProvider struct {
	ProviderName string `json:"ProviderName"`
	ClientID     string `json:"ClientId"`
}

// cognitoIdentity is one identity (IdentityId) in an identity pool.
type cognitoIdentity struct {
	id     string
	poolID string
	logins map[string]string // provider name → sub; empty for unauthenticated identities
}

// iamRole is a role STS may assume and identity pools may hand out.
type iamRole struct {
	arn        string
	name       string
	account    string
	roleID     string // AROA…, stable per role as in IAM
	maxSession time.Duration
}

// identityState is cognito-identity state that is not per identity pool.
// Maps are guarded by Server.mu.
type identityState struct {
	identities map[string]*cognitoIdentity // by identity id
	byLogin    map[string]string           // loginKey(...) → identity id
	roles      map[string]*iamRole         // by role ARN
	// externalKeys sign the tokens of emulated external providers, by
	// provider name (external.go).
	externalKeys map[string]*externalKey

	// The key that signs OpenID tokens (GetOpenIdToken) and that STS
	// trusts. Generated on first use: RSA key generation is slow enough
	// that servers which never use the basic flow should not pay for it.
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
	kid     string
}

func (s *Server) initIdentity() {
	s.identity.identities = map[string]*cognitoIdentity{}
	s.identity.byLogin = map[string]string{}
	s.identity.roles = map[string]*iamRole{}
	s.identity.externalKeys = map[string]*externalKey{}
}

const (
	openIDIssuer   = "https://cognito-identity.amazonaws.com"
	openIDProvider = "cognito-identity.amazonaws.com"
	openIDLifetime = 10 * time.Minute
	// enhancedCredentialsLifetime is how long GetCredentialsForIdentity
	// credentials last, as in AWS.
	enhancedCredentialsLifetime = time.Hour
	// enhancedSessionName is the role session name Cognito uses for the
	// enhanced flow.
	enhancedSessionName = "CognitoIdentityCredentials"
)

func loginKey(poolID, provider, sub string) string {
	return poolID + "\x00" + provider + "\x00" + sub
}

func (s *Server) userPoolProviderName(userPoolID string) string {
	return "cognito-idp." + s.Region() + ".amazonaws.com/" + userPoolID
}

// identityError is a cognito-identity error response.
type identityError struct {
	status int
	code   string
	msg    string
}

func (e *identityError) Error() string { return e.code + ": " + e.msg }

func (e *identityError) write(w http.ResponseWriter) { writeJSONError(w, e.status, e.code, e.msg) }

func identityErr(code, format string, args ...any) *identityError {
	return &identityError{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// The emulator's regexps and tables are built on first use: the CLI links
// the emulator (for demo and emulator), and every other command would
// otherwise pay for them at start-up. Bounded repetitions ({1,128}) are
// avoided for the same reason (they compile into that many copies);
// lengths are checked in code instead (validRoleARN, len(name)).
var (
	identityPoolIDRE   = lazyRegexp(`^[\w-]+:[0-9a-f-]+$`)
	identityPoolNameRE = lazyRegexp(`^[\w ]+$`)
	roleARNRE          = lazyRegexp(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)$`)
)

// lazyRegexp compiles expr on the first call of the function it returns.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// handleIdentity serves AWSCognitoIdentityService.* operations.
func (s *Server) handleIdentity(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	switch op {
	case "CreateIdentityPool":
		var in struct {
			IdentityPoolName               string
			AllowUnauthenticatedIdentities bool
			CognitoIdentityProviders       []identityProvider
			SupportedLoginProviders        map[string]string
		}
		if !decodeJSON(w, body, &in) {
			return
		}
		p, err := s.createIdentityPool(in.IdentityPoolName, in.AllowUnauthenticatedIdentities, in.CognitoIdentityProviders, in.SupportedLoginProviders)
		if err != nil {
			err.write(w)
			return
		}
		writeJSON(w, s.describeIdentityPool(p))
	case "DescribeIdentityPool":
		var in struct{ IdentityPoolId string }
		if !decodeJSON(w, body, &in) {
			return
		}
		s.mu.Lock()
		p, err := s.identityPoolLocked(in.IdentityPoolId)
		var out map[string]any
		if err == nil {
			out = s.describeIdentityPool(p)
		}
		s.mu.Unlock()
		if err != nil {
			err.write(w)
			return
		}
		writeJSON(w, out)
	case "SetIdentityPoolRoles":
		var in struct {
			IdentityPoolId string
			Roles          map[string]string
		}
		if !decodeJSON(w, body, &in) {
			return
		}
		if err := s.setIdentityPoolRoles(in.IdentityPoolId, in.Roles); err != nil {
			err.write(w)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-RequestId", newRequestID())
		w.WriteHeader(http.StatusOK)
	case "GetIdentityPoolRoles":
		var in struct{ IdentityPoolId string }
		if !decodeJSON(w, body, &in) {
			return
		}
		s.mu.Lock()
		p, err := s.identityPoolLocked(in.IdentityPoolId)
		roles := map[string]string{}
		if err == nil {
			for k, v := range p.roles {
				roles[k] = v
			}
		}
		s.mu.Unlock()
		if err != nil {
			err.write(w)
			return
		}
		writeJSON(w, map[string]any{"IdentityPoolId": in.IdentityPoolId, "Roles": roles})
	case "GetId":
		var in struct {
			IdentityPoolId string
			Logins         map[string]string
		}
		if !decodeJSON(w, body, &in) {
			return
		}
		id, err := s.getID(in.IdentityPoolId, in.Logins)
		if err != nil {
			err.write(w)
			return
		}
		writeJSON(w, map[string]string{"IdentityId": id})
	case "GetCredentialsForIdentity":
		var in struct {
			IdentityId    string
			Logins        map[string]string
			CustomRoleArn string
		}
		if !decodeJSON(w, body, &in) {
			return
		}
		ident, _, roles, err := s.authorizeIdentity(in.IdentityId, in.Logins)
		if err != nil {
			err.write(w)
			return
		}
		role, err := s.pickRole(ident, roles, in.CustomRoleArn)
		if err != nil {
			err.write(w)
			return
		}
		c := s.issueCredentials(ident.id, role, enhancedSessionName, enhancedCredentialsLifetime)
		writeJSON(w, map[string]any{
			"IdentityId": ident.id,
			"Credentials": map[string]any{
				"AccessKeyId":  c.AccessKeyID,
				"SecretKey":    c.SecretAccessKey,
				"SessionToken": c.SessionToken,
				// awsJson timestamps are epoch seconds as a JSON number.
				"Expiration": c.Expiration.Unix(),
			},
		})
	case "GetOpenIdToken":
		var in struct {
			IdentityId string
			Logins     map[string]string
		}
		if !decodeJSON(w, body, &in) {
			return
		}
		ident, providers, _, err := s.authorizeIdentity(in.IdentityId, in.Logins)
		if err != nil {
			err.write(w)
			return
		}
		tok, terr := s.openIDToken(ident, providers)
		if terr != nil {
			writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "could not sign the OpenID token")
			return
		}
		writeJSON(w, map[string]string{"IdentityId": ident.id, "Token": tok})
	default:
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "operation "+op+" is not supported by this emulator")
	}
}

// identityPoolLocked finds a pool; s.mu must be held.
func (s *Server) identityPoolLocked(id string) (*identityPool, *identityError) {
	if !identityPoolIDRE().MatchString(id) || len(id) > 55 {
		return nil, identityErr("ValidationException",
			"1 validation error detected: Value '%s' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", id)
	}
	p, ok := s.identityPools[id]
	if !ok {
		return nil, identityErr("ResourceNotFoundException", "IdentityPool '%s' not found.", id)
	}
	return p, nil
}

// describeIdentityPool renders a pool as the API does; s.mu must be held or
// the pool not yet shared.
func (s *Server) describeIdentityPool(p *identityPool) map[string]any {
	providers := make([]identityProvider, len(p.providers))
	copy(providers, p.providers)
	out := map[string]any{
		"IdentityPoolId":                 p.id,
		"IdentityPoolName":               p.name,
		"AllowUnauthenticatedIdentities": p.allowUnauthenticated,
		"CognitoIdentityProviders":       providers,
	}
	if len(p.loginProviders) > 0 {
		lp := make(map[string]string, len(p.loginProviders))
		for k, v := range p.loginProviders {
			lp[k] = v
		}
		out["SupportedLoginProviders"] = lp
	}
	return out
}

// createIdentityPool is shared by the API and the Go seeding API.
func (s *Server) createIdentityPool(name string, allowUnauth bool, providers []identityProvider, loginProviders map[string]string) (*identityPool, *identityError) {
	if len(name) > 128 || !identityPoolNameRE().MatchString(name) {
		return nil, identityErr("InvalidParameterException", "1 validation error detected: Value '%s' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w ]+", name)
	}
	prefix := "cognito-idp." + s.Region() + ".amazonaws.com/"
	for _, p := range providers {
		if !strings.HasPrefix(p.ProviderName, prefix) || len(p.ProviderName) == len(prefix) {
			return nil, identityErr("InvalidParameterException", "Invalid provider name: %s", p.ProviderName)
		}
	}
	lp := map[string]string{}
	for name, aud := range loginProviders {
		if !validExternalProvider(name) || strings.HasPrefix(name, "cognito-idp.") || len(aud) > 2048 {
			return nil, identityErr("InvalidParameterException", "Invalid login provider name: %s", name)
		}
		lp[name] = aud
	}
	p := &identityPool{
		id:                   s.Region() + ":" + s.randomUUID(),
		name:                 name,
		allowUnauthenticated: allowUnauth,
		providers:            append([]identityProvider(nil), providers...),
		loginProviders:       lp,
		roles:                map[string]string{},
	}
	s.mu.Lock()
	s.identityPools[p.id] = p
	s.mu.Unlock()
	return p, nil
}

// setIdentityPoolRoles is shared by the API and the Go seeding API. Roles an
// identity pool names are registered with the default maximum session
// duration if CreateRole did not register them first: in AWS the role must
// exist before it can be set, so a pool's roles are always assumable.
func (s *Server) setIdentityPoolRoles(poolID string, roles map[string]string) *identityError {
	for k, arn := range roles {
		if k != "authenticated" && k != "unauthenticated" {
			return identityErr("InvalidParameterException", "Invalid role type %q; expected authenticated or unauthenticated", k)
		}
		if !validRoleARN(arn) {
			return identityErr("NotAuthorizedException", "Access to Role '%s' is forbidden.", arn)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.identityPoolLocked(poolID)
	if err != nil {
		return err
	}
	p.roles = map[string]string{}
	for k, arn := range roles {
		p.roles[k] = arn
		if _, ok := s.identity.roles[arn]; !ok {
			s.identity.roles[arn] = s.newRoleLocked(arn, time.Hour)
		}
	}
	return nil
}

// validRoleARN reports whether arn is an IAM role ARN whose name is at
// most 64 characters.
func validRoleARN(arn string) bool {
	m := roleARNRE().FindStringSubmatch(arn)
	return m != nil && len(m[2]) <= 64 && len(arn) <= 2048
}

// newRoleLocked builds a role record; arn must pass validRoleARN.
func (s *Server) newRoleLocked(arn string, maxSession time.Duration) *iamRole {
	m := roleARNRE().FindStringSubmatch(arn)
	return &iamRole{
		arn: arn, account: m[1], name: m[2],
		roleID:     "AROA" + s.randomString(17, alnumUpper),
		maxSession: maxSession,
	}
}

// verifiedLogin is one Logins entry that passed verification.
type verifiedLogin struct {
	provider   string
	userPoolID string
	sub        string
}

// verifyLogins checks every Logins entry against the pool's providers and
// login providers. It must be called without s.mu held (verifyIDToken
// takes it).
func (s *Server) verifyLogins(providers []identityProvider, loginProviders map[string]string, logins map[string]string) ([]verifiedLogin, *identityError) {
	names := make([]string, 0, len(logins))
	for k := range logins {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []verifiedLogin
	for _, name := range names {
		if aud, ok := loginProviders[name]; ok {
			sub, err := s.verifyExternalToken(name, logins[name], aud)
			if err != nil {
				return nil, identityErr("NotAuthorizedException", "Invalid login token. %s", s.loginErrorDetail(err))
			}
			out = append(out, verifiedLogin{provider: name, sub: sub})
			continue
		}
		var trusted *identityProvider
		for i := range providers {
			if providers[i].ProviderName == name {
				trusted = &providers[i]
			}
		}
		if trusted == nil {
			return nil, identityErr("NotAuthorizedException", "Invalid login token. Token is not from a supported provider of this identity pool.")
		}
		userPoolID, sub, clientID, err := s.verifyIDToken(logins[name])
		if err != nil {
			return nil, identityErr("NotAuthorizedException", "Invalid login token. %s", s.loginErrorDetail(err))
		}
		if s.userPoolProviderName(userPoolID) != name {
			return nil, identityErr("NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")
		}
		if trusted.ClientID != "" && clientID != trusted.ClientID {
			return nil, identityErr("NotAuthorizedException", "Invalid login token. Incorrect token audience.")
		}
		out = append(out, verifiedLogin{provider: name, userPoolID: userPoolID, sub: sub})
	}
	return out, nil
}

// loginErrorDetail words a token verification failure as Cognito does;
// the verifier's own reason goes to the log only (it never holds the token).
func (s *Server) loginErrorDetail(err error) string {
	s.logf("cognito-identity: login token refused: %v", err)
	var lr *loginRefusal
	if errors.As(err, &lr) {
		return lr.public
	}
	if strings.Contains(strings.ToLower(err.Error()), "expired") {
		return "Token expired."
	}
	return "Couldn't verify signed token."
}

// getID implements GetId.
func (s *Server) getID(poolID string, logins map[string]string) (string, *identityError) {
	s.mu.Lock()
	p, err := s.identityPoolLocked(poolID)
	var providers []identityProvider
	var allowUnauth bool
	loginProviders := map[string]string{}
	if err == nil {
		providers = append(providers, p.providers...)
		allowUnauth = p.allowUnauthenticated
		for k, v := range p.loginProviders {
			loginProviders[k] = v
		}
	}
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	if len(logins) == 0 {
		if !allowUnauth {
			return "", identityErr("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
		}
		// Each unauthenticated GetId makes a new identity, as in AWS
		// (clients are expected to cache theirs).
		id := s.Region() + ":" + s.randomUUID()
		s.mu.Lock()
		s.identity.identities[id] = &cognitoIdentity{id: id, poolID: poolID, logins: map[string]string{}}
		s.mu.Unlock()
		return id, nil
	}
	verified, err := s.verifyLogins(providers, loginProviders, logins)
	if err != nil {
		return "", err
	}
	newID := s.Region() + ":" + s.randomUUID()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	for _, v := range verified {
		if existing, ok := s.identity.byLogin[loginKey(poolID, v.provider, v.sub)]; ok {
			if id != "" && id != existing {
				return "", identityErr("ResourceConflictException", "Logins are linked to different identities.")
			}
			id = existing
		}
	}
	if id == "" {
		id = newID
		s.identity.identities[id] = &cognitoIdentity{id: id, poolID: poolID, logins: map[string]string{}}
	}
	ident := s.identity.identities[id]
	for _, v := range verified {
		ident.logins[v.provider] = v.sub
		s.identity.byLogin[loginKey(poolID, v.provider, v.sub)] = id
	}
	return id, nil
}

// identitySnapshot is a copy of an identity taken under the lock.
type identitySnapshot struct {
	id            string
	poolID        string
	authenticated bool
}

// authorizeIdentity checks that the caller may act for identityID: with
// Logins that are linked to it, or with none for an unauthenticated
// identity of a pool that allows that. It returns the identity, the
// providers the logins came from and the pool's roles.
func (s *Server) authorizeIdentity(identityID string, logins map[string]string) (identitySnapshot, []string, map[string]string, *identityError) {
	var snap identitySnapshot
	s.mu.Lock()
	ident, ok := s.identity.identities[identityID]
	if !ok {
		s.mu.Unlock()
		if !identityPoolIDRE().MatchString(identityID) {
			return snap, nil, nil, identityErr("ValidationException",
				"1 validation error detected: Value '%s' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", identityID)
		}
		return snap, nil, nil, identityErr("ResourceNotFoundException", "Identity '%s' not found.", identityID)
	}
	linked := make(map[string]string, len(ident.logins))
	for k, v := range ident.logins {
		linked[k] = v
	}
	snap = identitySnapshot{id: ident.id, poolID: ident.poolID, authenticated: len(ident.logins) > 0}
	p, ok := s.identityPools[ident.poolID]
	if !ok {
		s.mu.Unlock()
		return snap, nil, nil, identityErr("ResourceNotFoundException", "IdentityPool '%s' not found.", ident.poolID)
	}
	providers := append([]identityProvider(nil), p.providers...)
	loginProviders := make(map[string]string, len(p.loginProviders))
	for k, v := range p.loginProviders {
		loginProviders[k] = v
	}
	allowUnauth := p.allowUnauthenticated
	roles := make(map[string]string, len(p.roles))
	for k, v := range p.roles {
		roles[k] = v
	}
	s.mu.Unlock()

	if len(logins) == 0 {
		if snap.authenticated {
			return snap, nil, nil, identityErr("NotAuthorizedException", "Access to Identity '%s' is forbidden.", identityID)
		}
		if !allowUnauth {
			return snap, nil, nil, identityErr("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
		}
		return snap, nil, roles, nil
	}
	verified, err := s.verifyLogins(providers, loginProviders, logins)
	if err != nil {
		return snap, nil, nil, err
	}
	var used []string
	for _, v := range verified {
		if linked[v.provider] != v.sub {
			return snap, nil, nil, identityErr("NotAuthorizedException", "Logins don't match. Please include at least one valid login for this identity or identity pool.")
		}
		used = append(used, v.provider)
	}
	return snap, used, roles, nil
}

// pickRole chooses the role for GetCredentialsForIdentity.
func (s *Server) pickRole(ident identitySnapshot, roles map[string]string, custom string) (string, *identityError) {
	kind := "unauthenticated"
	if ident.authenticated {
		kind = "authenticated"
	}
	def := roles[kind]
	if custom != "" && custom != def {
		s.mu.Lock()
		_, registered := s.identity.roles[custom]
		s.mu.Unlock()
		// Unauthenticated identities only ever get the pool's
		// unauthenticated role; authenticated ones may pick any role the
		// emulator knows (there are no role mappings or trust policies).
		if !ident.authenticated || !registered {
			return "", identityErr("NotAuthorizedException", "Access to Role '%s' is forbidden.", custom)
		}
		return custom, nil
	}
	if def == "" {
		return "", identityErr("InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
	}
	return def, nil
}

// identityKey returns the OpenID token signing key, generating it once.
func (s *Server) identityKey() (*rsa.PrivateKey, string, error) {
	st := &s.identity
	st.keyOnce.Do(func() {
		// crypto/rand rather than Options.Rand: key generation must not
		// depend on a deterministic test source being long enough.
		st.key, st.keyErr = rsa.GenerateKey(rand.Reader, 2048)
		if st.keyErr == nil {
			sum := sha256.Sum256(st.key.PublicKey.N.Bytes())
			st.kid = s.Region() + "-" + base64.RawURLEncoding.EncodeToString(sum[:8])
		}
	})
	return st.key, st.kid, st.keyErr
}

// openIDClaims are the claims of a Cognito identity OpenID token.
type openIDClaims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud string   `json:"aud"`
	Amr []string `json:"amr"`
	Exp int64    `json:"exp"`
	Iat int64    `json:"iat"`
}

// openIDToken signs the token GetOpenIdToken returns.
func (s *Server) openIDToken(ident identitySnapshot, providers []string) (string, error) {
	key, kid, err := s.identityKey()
	if err != nil {
		return "", err
	}
	now := s.now()
	amr := []string{"unauthenticated"}
	if ident.authenticated {
		amr = []string{"authenticated"}
		s.mu.Lock()
		linked := map[string]string{}
		if id, ok := s.identity.identities[ident.id]; ok {
			for k, v := range id.logins {
				linked[k] = v
			}
		}
		s.mu.Unlock()
		for _, p := range providers {
			if strings.HasPrefix(p, "cognito-idp.") {
				amr = append(amr, p, p+":CognitoSignIn:"+linked[p])
			} else {
				amr = append(amr, p, p+":"+linked[p])
			}
		}
	}
	claims := openIDClaims{
		Iss: openIDIssuer, Sub: ident.id, Aud: ident.poolID, Amr: amr,
		Exp: now.Add(openIDLifetime).Unix(), Iat: now.Unix(),
	}
	return signRS256(key, kid, "JWS", claims)
}

var errOpenIDExpired = errors.New("token expired")

// verifyOpenIDToken checks a token from openIDToken: signature, issuer,
// expiry and that its audience is an identity pool of this emulator.
func (s *Server) verifyOpenIDToken(tok string) (*openIDClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a JWT")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errors.New("the token is not a JWT")
	}
	var header struct{ Alg, Kid string }
	if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "RS256" {
		return nil, errors.New("unsupported token header")
	}
	key, kid, err := s.identityKey()
	if err != nil {
		return nil, errors.New("no signing key")
	}
	if header.Kid != kid {
		return nil, errors.New("the token was not signed by a known key")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errors.New("invalid token signature")
	}
	var c openIDClaims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, errors.New("invalid token claims")
	}
	if c.Iss != openIDIssuer {
		return nil, errors.New("incorrect token issuer")
	}
	if !s.now().Before(time.Unix(c.Exp, 0)) {
		return nil, errOpenIDExpired
	}
	s.mu.Lock()
	_, ok := s.identityPools[c.Aud]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("incorrect token audience")
	}
	return &c, nil
}
