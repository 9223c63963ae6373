package cognitotest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The hosted UI (managed login) of a user pool domain: the OAuth 2.0 /
// OpenID Connect endpoints a browser sign-in uses. The emulator's base URL
// (Server.HostedUIBase) plays the user pool domain; a Server has one
// domain for all its pools, so a request's pool is its client_id's.
//
// Routes (all on the emulator's one endpoint; a request signed with SigV4
// never reaches them, so S3 buckets named "oauth2" or "login" still work):
//
//	GET  /oauth2/authorize      validate, then show the sign-in page
//	GET  /login                 the same (Cognito's own sign-in page URL)
//	POST /login                 the sign-in form: 302 to the callback with code and state
//	GET|POST /cancel            the form's cancel button (formaction): 302 with error=access_denied
//	POST /oauth2/token          authorization_code (PKCE) and refresh_token grants
//	GET  /oauth2/userInfo       the signed-in user's attributes (Bearer access token)
//	POST /oauth2/revoke         revoke a refresh token (and its family)
//	GET  /logout                302 to a registered logout_uri
//	GET  /error                 an error page
//	GET  /.well-known/openid-configuration, /.well-known/jwks.json
//	                            the only pool's, when the Server has exactly one
//	GET  /favicon.ico           404, not counted (so browsers do not reach S3)
//
// Request counts (Server.Count): "oauth2/authorize", "login" (/login and
// /cancel),
// "oauth2/token", "oauth2/userInfo", "oauth2/revoke", "logout".
//
// Decisions where the emulator is stricter or simpler than Cognito:
//   - PKCE: code_challenge_method must be S256 (plain is refused). An app
//     client WITHOUT a secret must send a code_challenge (Cognito makes
//     PKCE optional; a public client that skips it is a bug worth
//     catching); a client with a secret may omit it. A code_verifier sent
//     for a code issued without a challenge is refused.
//   - The state of a sign-in in progress (client, redirect_uri, state,
//     scopes, code_challenge, nonce) is kept server-side under a random
//     id, the page's only hidden field ("login_session"), for 10 minutes.
//     Nothing the browser posts back can change where the code goes.
//   - Errors before the redirect_uri is known to be registered (unknown
//     client, unregistered or missing redirect_uri) are a 400 page, never a
//     redirect; an unregistered redirect_uri shows "redirect_mismatch", as
//     Cognito's /error?error=redirect_mismatch page does.
//   - There is no single sign-on cookie: every authorize shows the form.
//     Users who would get a challenge (temporary password, MFA) are
//     refused on the page with a message: the emulator's hosted UI does
//     not run those steps. Devices are not tracked for hosted UI sign-ins.
//   - Codes are single use and last 5 minutes. Redeeming a code a second
//     time fails with invalid_grant AND revokes the tokens the first
//     redemption issued (RFC 6749 §4.1.2). A failed redemption (wrong
//     verifier or redirect_uri) uses the code up too.
//   - Only the COGNITO identity provider is emulated: identity_provider
//     naming anything else redirects with error=invalid_request.
//   - userInfo returns every value as a string, email_verified "true"
//     included, as Cognito does.

const (
	loginSessionLifetime = 10 * time.Minute
	authCodeLifetime     = 5 * time.Minute
	scopeAdmin           = "aws.cognito.signin.user.admin"
	providerCognito      = "COGNITO"
)

// defaultOAuthScopes are a Go-seeded client's AllowedOAuthScopes by default.
var defaultOAuthScopes = []string{"openid", "email", "profile", scopeAdmin}

// oauthSettings are an app client's hosted UI settings.
type oauthSettings struct {
	callbackURLs, logoutURLs []string
	flows                    []string // "code", "implicit", "client_credentials"
	scopes                   []string
	providers                []string // SupportedIdentityProviders
	// wire marks settings from CreateUserPoolClient on the wire, which
	// get no default flows or scopes.
	wire bool
}

// normalize validates the settings and fills in the defaults.
func (o oauthSettings) normalize() (oauthSettings, *apiError) {
	out := oauthSettings{
		callbackURLs: append([]string(nil), o.callbackURLs...),
		logoutURLs:   append([]string(nil), o.logoutURLs...),
		flows:        append([]string(nil), o.flows...),
		scopes:       append([]string(nil), o.scopes...),
		providers:    append([]string(nil), o.providers...),
	}
	for _, list := range [][]string{out.callbackURLs, out.logoutURLs} {
		if len(list) > 100 {
			return out, apiErr(errInvalidParameter, "at most 100 callback or logout URLs are allowed")
		}
		for _, raw := range list {
			u, err := url.Parse(raw)
			if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") || len(raw) > 1024 {
				return out, apiErr(errInvalidParameter, "%q is not a valid callback or logout URL: it must be absolute and have no fragment", raw)
			}
		}
	}
	for _, f := range out.flows {
		if f != "code" && f != "implicit" && f != "client_credentials" {
			return out, apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [implicit, client_credentials, code]", f)
		}
	}
	if !o.wire && len(out.flows) == 0 && len(out.callbackURLs) > 0 {
		out.flows = []string{"code"}
	}
	if (contains(out.flows, "code") || contains(out.flows, "implicit")) && len(out.callbackURLs) == 0 {
		return out, apiErr(errInvalidParameter, "CallbackURLs must be given for the code and implicit OAuth flows")
	}
	if !o.wire && len(out.scopes) == 0 {
		out.scopes = append([]string(nil), defaultOAuthScopes...)
	}
	for _, sc := range out.scopes {
		if sc == "" || len(sc) > 256 || strings.ContainsAny(sc, " \t\r\n\"\\") {
			return out, apiErr(errInvalidParameter, "Invalid scope requested: %q", sc)
		}
	}
	return out, nil
}

// signInOptions are the client's SupportedIdentityProviders, COGNITO when
// it names none.
func (o oauthSettings) signInOptions() []string {
	if len(o.providers) == 0 {
		return []string{providerCognito}
	}
	return o.providers
}

// hostedUIState is the hosted UI's state, guarded by Server.mu.
type hostedUIState struct {
	logins map[string]*loginSession // by id
	codes  map[string]*authCode     // by code
}

// loginSession is an authorize request waiting for the sign-in form.
type loginSession struct {
	id          string
	clientID    string
	redirectURI string
	state       string
	scopes      []string
	challenge   string // S256 code_challenge, "" without PKCE
	nonce       string
	expires     time.Time

	// After a right password, what the page asks next: a new password
	// (stageNewPassword) or an MFA code (stageMFA), for username.
	stage       string
	username    string
	factor      string // SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP
	code        string // the code sent by SMS or email
	codeExpires time.Time
	codePrompt  string
	tries       int
}

// Sign-in page stages after the password.
const (
	stageNewPassword = "newpassword"
	stageMFA         = "mfa"
)

// authCode is an authorization code handed to the callback.
type authCode struct {
	clientID    string
	poolID      string
	username    string
	sub         string
	redirectURI string
	scopes      []string
	challenge   string
	nonce       string
	expires     time.Time
	redeemed    bool
	originJTI   string // of the tokens its redemption issued
}

func (h *hostedUIState) init() {
	h.logins = map[string]*loginSession{}
	h.codes = map[string]*authCode{}
}

// HostedUIBase returns the base URL of the hosted UI, the user pool
// "domain" to configure in clients (its /oauth2/authorize and
// /oauth2/token). It is URL(): "" before Start.
func (s *Server) HostedUIBase() string { return s.URL() }

// sigV4Signed reports whether r carries AWS SigV4 authentication (header
// or presigned URL): such a request is for an AWS API, never the hosted UI.
func sigV4Signed(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") {
		return true
	}
	q := r.URL.Query()
	return q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential")
}

// serveHostedUI handles the hosted UI's paths and reports whether it did.
func (s *Server) serveHostedUI(w http.ResponseWriter, r *http.Request) bool {
	if sigV4Signed(r) {
		return false
	}
	var op string
	var h func(http.ResponseWriter)
	switch r.URL.Path {
	case "/oauth2/authorize":
		op, h = "oauth2/authorize", func(w http.ResponseWriter) { s.handleAuthorize(w, r) }
	case "/login":
		op, h = "login", func(w http.ResponseWriter) {
			if r.Method == http.MethodPost {
				s.handleLogin(w, r)
			} else {
				s.handleAuthorize(w, r)
			}
		}
	case "/cancel":
		op, h = "login", func(w http.ResponseWriter) { s.handleCancel(w, r) }
	case "/oauth2/token":
		op, h = "oauth2/token", func(w http.ResponseWriter) { s.handleToken(w, r) }
	case "/oauth2/userInfo", "/oauth2/userinfo":
		op, h = "oauth2/userInfo", func(w http.ResponseWriter) { s.handleUserInfo(w, r) }
	case "/oauth2/revoke":
		op, h = "oauth2/revoke", func(w http.ResponseWriter) { s.handleRevoke(w, r) }
	case "/logout":
		op, h = "logout", func(w http.ResponseWriter) { s.handleLogout(w, r) }
	case "/error":
		q := r.URL.Query()
		code := q.Get("error")
		if code == "" {
			code = "error"
		}
		writeErrorPage(w, http.StatusBadRequest, code, q.Get("error_description"))
		return true
	case "/.well-known/openid-configuration", "/.well-known/jwks.json":
		return s.serveRootWellKnown(w, r)
	case "/favicon.ico":
		// Browsers on the sign-in page ask for it; answered here so that it
		// never counts as an S3 request.
		w.Header().Set("Cache-Control", "max-age=86400")
		w.WriteHeader(http.StatusNotFound)
		return true
	default:
		return false
	}
	s.count(op)
	s.logf("hosted UI %s %s", r.Method, op)
	s.serveOp(w, r, protoJSON, op, h)
	return true
}

// ---- /oauth2/authorize and the sign-in page ----

// authzOutcome is what an authorize or sign-in request leads to: a page, or
// a redirect.
type authzOutcome struct {
	status   int    // page status
	errCode  string // error page: its code
	errMsg   string
	location string // redirect
	page     *signInPage
}

func (o authzOutcome) write(w http.ResponseWriter) {
	switch {
	case o.location != "":
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Location", o.location)
		w.WriteHeader(http.StatusFound)
	case o.page != nil:
		writeSignInPage(w, o.status, o.page)
	default:
		writeErrorPage(w, o.status, o.errCode, o.errMsg)
	}
}

func errorPage(status int, code, format string, args ...any) authzOutcome {
	return authzOutcome{status: status, errCode: code, errMsg: fmt.Sprintf(format, args...)}
}

// redirectWith returns redirectURI with params added to its query (state
// only when not empty).
func redirectWith(redirectURI string, params url.Values, state string) string {
	if state != "" {
		params.Set("state", state)
	}
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
		if strings.HasSuffix(redirectURI, "?") || strings.HasSuffix(redirectURI, "&") {
			sep = ""
		}
	}
	return redirectURI + sep + params.Encode()
}

func redirectError(redirectURI, state, code, description string) authzOutcome {
	v := url.Values{"error": {code}}
	if description != "" {
		v.Set("error_description", description)
	}
	return authzOutcome{location: redirectWith(redirectURI, v, state)}
}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErrorPage(w, http.StatusMethodNotAllowed, "invalid_request", "The authorization endpoint takes GET requests.")
		return
	}
	s.mu.Lock()
	out := s.authorizeLocked(r.URL.Query())
	s.unlockAndLog()
	out.write(w)
}

// isPKCEValue reports whether v is 43–128 characters of the PKCE alphabet
// (RFC 7636: code_verifier; an S256 code_challenge is 43 of them).
func isPKCEValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_', r == '~':
		default:
			return false
		}
	}
	return true
}

func (s *Server) authorizeLocked(q url.Values) authzOutcome {
	clientID := q.Get("client_id")
	if clientID == "" {
		return errorPage(http.StatusBadRequest, "invalid_request", "The request has no client_id.")
	}
	c := s.appClients[clientID]
	if c == nil || s.userPools[c.userPoolID] == nil {
		return errorPage(http.StatusBadRequest, "invalid_client", "User pool client %s does not exist.", clientID)
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		return errorPage(http.StatusBadRequest, "invalid_request", "The request has no redirect_uri.")
	}
	if !contains(c.oauth.callbackURLs, redirectURI) {
		return errorPage(http.StatusBadRequest, "redirect_mismatch",
			"redirect_mismatch: %s is not one of the callback URLs of client %s (they are compared exactly).", redirectURI, clientID)
	}
	// The redirect_uri is registered: from here on errors go back to it.
	state := q.Get("state")
	switch rt := q.Get("response_type"); rt {
	case "code":
		if !contains(c.oauth.flows, "code") {
			return redirectError(redirectURI, state, "unauthorized_client", "The app client does not allow the authorization code grant.")
		}
	case "token":
		if !contains(c.oauth.flows, "implicit") {
			return redirectError(redirectURI, state, "unauthorized_client", "The app client does not allow the implicit grant.")
		}
		return redirectError(redirectURI, state, "unsupported_response_type", "cognitotest does not implement the implicit grant; use response_type=code.")
	case "":
		return redirectError(redirectURI, state, "invalid_request", "response_type is missing.")
	default:
		return redirectError(redirectURI, state, "unsupported_response_type", "response_type must be code.")
	}
	providers := c.oauth.signInOptions()
	switch idp := q.Get("identity_provider"); {
	case idp == "" || idp == providerCognito:
		if !contains(providers, providerCognito) {
			return redirectError(redirectURI, state, "invalid_request", "Login option is not available. Please try another one")
		}
	case contains(providers, idp):
		return redirectError(redirectURI, state, "invalid_request", "cognitotest does not federate with identity provider "+idp+"; only COGNITO sign-in is emulated")
	default:
		return redirectError(redirectURI, state, "invalid_request", "Login option is not available. Please try another one")
	}
	var scopes []string
	if raw := q.Get("scope"); strings.TrimSpace(raw) == "" {
		// No scope asked: all the client's scopes, as Cognito grants.
		scopes = append(scopes, c.oauth.scopes...)
	} else {
		for _, sc := range strings.Fields(raw) {
			if !contains(c.oauth.scopes, sc) {
				return redirectError(redirectURI, state, "invalid_scope", "Scope "+sc+" is not allowed for this app client.")
			}
			if !contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return redirectError(redirectURI, state, "invalid_request", "code_challenge_method without code_challenge.")
	case challenge == "" && c.secret == "":
		return redirectError(redirectURI, state, "invalid_request", "code_challenge is required: cognitotest requires PKCE (S256) for app clients without a secret.")
	case challenge != "" && method != "S256":
		return redirectError(redirectURI, state, "invalid_request", "code_challenge_method must be S256.")
	case challenge != "" && (len(challenge) != 43 || !isPKCEValue(challenge)):
		return redirectError(redirectURI, state, "invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the code_verifier.")
	}
	now := s.now()
	for id, ls := range s.idp.hosted.logins {
		if !now.Before(ls.expires) {
			delete(s.idp.hosted.logins, id)
		}
	}
	ls := &loginSession{
		id:          s.randomString(43, alnum),
		clientID:    c.id,
		redirectURI: redirectURI,
		state:       state,
		scopes:      scopes,
		challenge:   challenge,
		nonce:       q.Get("nonce"),
		expires:     now.Add(loginSessionLifetime),
	}
	s.idp.hosted.logins[ls.id] = ls
	return authzOutcome{status: http.StatusOK, page: &signInPage{ClientName: c.name, Session: ls.id}}
}

// ---- POST /login ----

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErrorPage(w, http.StatusBadRequest, "invalid_request", "The sign-in form could not be read.")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	out := s.loginLocked(f.Get("login_session"), f.Get("action"), f)
	s.unlockAndLog()
	out.write(w)
}

// handleCancel is the cancel button: its formaction names the sign-in
// (login_session) in the URL, so a POST from the form and a plain GET of the
// same URL both cancel it.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, POST")
		writeErrorPage(w, http.StatusMethodNotAllowed, "invalid_request", "Cancel with GET or POST.")
		return
	}
	id := r.URL.Query().Get("login_session")
	if id == "" && r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			id = r.PostForm.Get("login_session")
		}
	}
	s.mu.Lock()
	out := s.loginLocked(id, "cancel", nil)
	s.unlockAndLog()
	out.write(w)
}

// loginLocked takes a sign-in page's form: the username and password
// (action signin), a new password (action newpassword), an MFA code
// (action mfa), or a cancel.
func (s *Server) loginLocked(sessionID, action string, f url.Values) authzOutcome {
	username, password := f.Get("username"), f.Get("password")
	ls := s.idp.hosted.logins[sessionID]
	if ls == nil || !s.now().Before(ls.expires) {
		if ls != nil {
			delete(s.idp.hosted.logins, sessionID)
		}
		return errorPage(http.StatusBadRequest, "invalid_request", "This sign-in has expired or is unknown. Go back to the application and start again.")
	}
	if action == "cancel" {
		delete(s.idp.hosted.logins, ls.id)
		return redirectError(ls.redirectURI, ls.state, "access_denied", "The user cancelled the sign-in.")
	}
	c := s.appClients[ls.clientID]
	var p *userPool
	if c != nil {
		p = s.userPools[c.userPoolID]
	}
	if p == nil {
		delete(s.idp.hosted.logins, ls.id)
		return errorPage(http.StatusBadRequest, "invalid_client", "User pool client %s does not exist.", ls.clientID)
	}
	again := func(msg string) authzOutcome {
		return authzOutcome{status: http.StatusBadRequest, page: &signInPage{
			ClientName: c.name, Session: ls.id, Username: username, Error: msg}}
	}
	switch action {
	case stageNewPassword:
		return s.loginNewPasswordLocked(ls, c, p, f)
	case stageMFA:
		return s.loginMFALocked(ls, c, p, f)
	}
	ls.stage = "" // the password again, after going back
	if username == "" || password == "" {
		return again("Enter your username and password.")
	}
	u, aerr := s.lookupSignInUser(c, p, username)
	if aerr != nil {
		return again(aerr.msg)
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return again(aerr.msg)
	}
	if !p.passwordMatches(u, password) {
		return again(msgIncorrectCredentials)
	}
	switch u.status {
	case statusUnconfirmed:
		return again(msgUserNotConfirmed)
	case statusForceChangePassword:
		ls.stage, ls.username = stageNewPassword, u.username
		return ls.page(c, p, u, http.StatusOK, "")
	}
	return s.afterPasswordLocked(ls, c, p, u)
}

// page is the sign-in page at ls's stage, with an error message if any.
func (ls *loginSession) page(c *appClient, p *userPool, u *poolUser, status int, errMsg string) authzOutcome {
	pg := &signInPage{ClientName: c.name, Session: ls.id, Username: ls.username, Error: errMsg, Stage: ls.stage, Prompt: ls.codePrompt}
	if ls.stage == stageNewPassword {
		for _, a := range p.requiredAttrs {
			if u.attrs[a] == "" {
				pg.Attrs = append(pg.Attrs, a)
			}
		}
	}
	return authzOutcome{status: status, page: pg}
}

// stageUserLocked returns the user of a sign-in at stage, or the error
// page for a form posted out of order or a user gone meanwhile.
func (s *Server) stageUserLocked(ls *loginSession, p *userPool, stage string) (*poolUser, *authzOutcome) {
	if ls.stage != stage {
		out := errorPage(http.StatusBadRequest, "invalid_request", "This step of the sign-in is not the current one. Go back to the application and start again.")
		return nil, &out
	}
	u := p.users[p.key(ls.username)]
	if u == nil {
		delete(s.idp.hosted.logins, ls.id)
		out := errorPage(http.StatusBadRequest, "invalid_request", "User does not exist.")
		return nil, &out
	}
	return u, nil
}

// afterPasswordLocked asks for an MFA code when the user has a factor, or
// finishes the sign-in. Setting a factor up is left to the API.
func (s *Server) afterPasswordLocked(ls *loginSession, c *appClient, p *userPool, u *poolUser) authzOutcome {
	plan := p.mfaPlanFor(u)
	if len(plan.setup) > 0 {
		ls.stage = ""
		return authzOutcome{status: http.StatusBadRequest, page: &signInPage{ClientName: c.name, Session: ls.id, Username: ls.username,
			Error: "This user must set up MFA first, which the cognitotest hosted UI does not do: sign in through the API (MFA_SETUP) instead."}}
	}
	if len(plan.factors) == 0 {
		return s.finishLoginLocked(ls, c, p, u)
	}
	factor := plan.preferred
	if factor == "" {
		factor = plan.factors[0]
	}
	ls.stage, ls.username, ls.factor, ls.tries, ls.code = stageMFA, u.username, factor, 0, ""
	switch factor {
	case challengeSMSMFA:
		to := u.attrs["phone_number"]
		ls.code = s.sendCodeLocked(p, u, "SMS", to, PurposeMFA)
		ls.codePrompt = "Enter the code we sent by SMS to " + maskPhone(to) + "."
	case challengeEmailOTP:
		to := u.attrs["email"]
		ls.code = s.sendCodeLocked(p, u, "EMAIL", to, PurposeMFA)
		ls.codePrompt = "Enter the code we sent by email to " + maskEmail(to) + "."
	default:
		ls.codePrompt = "Enter the code from your authenticator app."
	}
	ls.codeExpires = s.now().Add(codeValidity)
	return ls.page(c, p, u, http.StatusOK, "")
}

// loginNewPasswordLocked takes the new password (twice) and any required
// attributes the user lacks, for a user with a temporary password.
func (s *Server) loginNewPasswordLocked(ls *loginSession, c *appClient, p *userPool, f url.Values) authzOutcome {
	u, bad := s.stageUserLocked(ls, p, stageNewPassword)
	if bad != nil {
		return *bad
	}
	pw := f.Get("new_password")
	switch {
	case pw == "":
		return ls.page(c, p, u, http.StatusBadRequest, "Enter a new password.")
	case pw != f.Get("confirm_password"):
		return ls.page(c, p, u, http.StatusBadRequest, "The passwords do not match.")
	}
	if aerr := p.checkPassword(pw); aerr != nil {
		return ls.page(c, p, u, http.StatusBadRequest, aerr.msg)
	}
	attrs := map[string]string{}
	for _, a := range p.requiredAttrs {
		if u.attrs[a] != "" {
			continue
		}
		v := strings.TrimSpace(f.Get("attr." + a))
		if v == "" {
			return ls.page(c, p, u, http.StatusBadRequest, "Enter your "+a+".")
		}
		if aerr := validateAttribute(a, v); aerr != nil {
			return ls.page(c, p, u, http.StatusBadRequest, aerr.msg)
		}
		attrs[a] = v
	}
	if aerr := s.userCanSignIn(p, u); aerr != nil {
		return ls.page(c, p, u, http.StatusBadRequest, aerr.msg)
	}
	if aerr := s.setPasswordLocked(p, u, pw, true); aerr != nil {
		return ls.page(c, p, u, http.StatusBadRequest, aerr.msg)
	}
	for k, v := range attrs {
		u.attrs[k] = v
	}
	return s.afterPasswordLocked(ls, c, p, u)
}

// loginMFALocked checks the MFA code: TOTP by RFC 6238 (each step once),
// SMS and email codes against the one sent, within its validity; after
// maxCodeTries wrong codes the sign-in is over.
func (s *Server) loginMFALocked(ls *loginSession, c *appClient, p *userPool, f url.Values) authzOutcome {
	u, bad := s.stageUserLocked(ls, p, stageMFA)
	if bad != nil {
		return *bad
	}
	code := strings.TrimSpace(f.Get("code"))
	if code == "" {
		return ls.page(c, p, u, http.StatusBadRequest, "Enter the code.")
	}
	ok, expired := checkMFACode(u, ls.factor, code, ls.code, ls.codeExpires, s.now())
	if expired {
		delete(s.idp.hosted.logins, ls.id)
		return errorPage(http.StatusBadRequest, "invalid_request", "The code has expired. Go back to the application and start again.")
	}
	if !ok {
		ls.tries++
		if ls.tries >= maxCodeTries {
			delete(s.idp.hosted.logins, ls.id)
			return errorPage(http.StatusBadRequest, "invalid_request", "Too many wrong codes. Go back to the application and start again.")
		}
		return ls.page(c, p, u, http.StatusBadRequest, msgInvalidMFACode)
	}
	return s.finishLoginLocked(ls, c, p, u)
}

// finishLoginLocked ends a sign-in: an authorization code, and the redirect
// to the callback with it.
func (s *Server) finishLoginLocked(ls *loginSession, c *appClient, p *userPool, u *poolUser) authzOutcome {
	delete(s.idp.hosted.logins, ls.id)
	now := s.now()
	for code, ac := range s.idp.hosted.codes {
		if !now.Before(ac.expires) {
			delete(s.idp.hosted.codes, code)
		}
	}
	code := s.randomUUID()
	s.idp.hosted.codes[code] = &authCode{
		clientID:    c.id,
		poolID:      p.id,
		username:    u.username,
		sub:         u.sub,
		redirectURI: ls.redirectURI,
		scopes:      ls.scopes,
		challenge:   ls.challenge,
		nonce:       ls.nonce,
		expires:     now.Add(authCodeLifetime),
	}
	s.queueLog("hosted UI: %s signed in to client %s", u.username, c.id)
	return authzOutcome{location: redirectWith(ls.redirectURI, url.Values{"code": {code}}, ls.state)}
}

// queueLog queues a line for Options.Logf, written once s.mu is released.
func (s *Server) queueLog(format string, args ...any) {
	s.idp.pendingLogs = append(s.idp.pendingLogs, fmt.Sprintf(format, args...))
}

// ---- /oauth2/token ----

// oauthError is an error of the token, revoke or userInfo endpoint.
type oauthError struct {
	status      int
	code        string
	description string
}

func oauthErr(status int, code, format string, args ...any) *oauthError {
	return &oauthError{status: status, code: code, description: fmt.Sprintf(format, args...)}
}

func (e *oauthError) write(w http.ResponseWriter, basic bool) {
	if e.status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="cognitotest"`)
	}
	writeOAuthJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// readOAuthForm checks a token or revoke request's method and content type
// and parses its body.
func readOAuthForm(r *http.Request) (url.Values, *oauthError) {
	if r.Method != http.MethodPost {
		return nil, oauthErr(http.StatusMethodNotAllowed, "invalid_request", "This endpoint takes POST requests.")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil, oauthErr(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		return nil, oauthErr(http.StatusBadRequest, "invalid_request", "The request body is not form encoded.")
	}
	return r.PostForm, nil
}

// clientAuthLocked authenticates the client of a token or revoke request:
// HTTP Basic (client_secret_basic, the client id and secret form-encoded
// as RFC 6749 §2.3.1 says) or client_id and client_secret in the body
// (client_secret_post). A client without a secret sends its id alone (or
// with an empty secret).
func (s *Server) clientAuthLocked(r *http.Request, form url.Values) (*appClient, *userPool, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
		if form.Get("client_secret") != "" {
			return nil, nil, oauthErr(http.StatusBadRequest, "invalid_request", "Use one client authentication method, not both Basic and client_secret.")
		}
		if bid := form.Get("client_id"); bid != "" && bid != id {
			return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "client_id does not match the Authorization header.")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" {
		return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "Client authentication is missing (client_id).")
	}
	c := s.appClients[id]
	var p *userPool
	if c != nil {
		p = s.userPools[c.userPoolID]
	}
	if p == nil {
		return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "Client %s does not exist.", id)
	}
	if c.secret != "" {
		if secret == "" {
			return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "Client %s has a secret and it was not sent.", id)
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
			return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "The client secret is wrong.")
		}
	} else if secret != "" {
		return nil, nil, oauthErr(http.StatusUnauthorized, "invalid_client", "Client %s has no secret.", id)
	}
	return c, p, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	_, _, basic := r.BasicAuth()
	form, oerr := readOAuthForm(r)
	if oerr != nil {
		oerr.write(w, basic)
		return
	}
	s.mu.Lock()
	res, oerr := s.tokenLocked(r, form)
	s.unlockAndLog()
	if oerr != nil {
		oerr.write(w, basic)
		return
	}
	out := map[string]any{
		"access_token": res.AccessToken,
		"expires_in":   res.ExpiresIn,
		"token_type":   "Bearer",
	}
	if res.IdToken != "" {
		out["id_token"] = res.IdToken
	}
	if res.RefreshToken != "" {
		out["refresh_token"] = res.RefreshToken
	}
	writeOAuthJSON(w, http.StatusOK, out)
}

func (s *Server) tokenLocked(r *http.Request, form url.Values) (*authResultJSON, *oauthError) {
	c, p, oerr := s.clientAuthLocked(r, form)
	if oerr != nil {
		return nil, oerr
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		return s.codeGrantLocked(c, p, form)
	case "refresh_token":
		tok := form.Get("refresh_token")
		if tok == "" {
			return nil, oauthErr(http.StatusBadRequest, "invalid_request", "refresh_token is missing.")
		}
		rt, aerr := s.refreshTokenLocked(c, tok)
		if aerr != nil {
			return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "%s", aerr.msg)
		}
		u, aerr := s.checkRefreshTokenLocked(p, rt, "")
		if aerr != nil {
			return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "%s", aerr.msg)
		}
		res, aerr := s.refreshGrantLocked(c, p, u, rt)
		if aerr != nil {
			return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "%s", aerr.msg)
		}
		return res, nil
	case "":
		return nil, oauthErr(http.StatusBadRequest, "invalid_request", "grant_type is missing.")
	default:
		return nil, oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type %s is not supported by cognitotest.", gt)
	}
}

func (s *Server) codeGrantLocked(c *appClient, p *userPool, form url.Values) (*authResultJSON, *oauthError) {
	code := form.Get("code")
	if code == "" {
		return nil, oauthErr(http.StatusBadRequest, "invalid_request", "code is missing.")
	}
	if !contains(c.oauth.flows, "code") {
		return nil, oauthErr(http.StatusBadRequest, "unauthorized_client", "The app client does not allow the authorization code grant.")
	}
	ac := s.idp.hosted.codes[code]
	if ac == nil || ac.clientID != c.id {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "The authorization code is invalid.")
	}
	if ac.redeemed {
		if ac.originJTI != "" {
			// A replayed code: revoke what its first redemption issued.
			for _, rt := range s.idp.refreshTokens {
				if rt.originJTI == ac.originJTI {
					s.revokeFamilyLocked(rt)
					break
				}
			}
		}
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "The authorization code has already been used.")
	}
	ac.redeemed = true // right or wrong, a code is presented once
	if !s.now().Before(ac.expires) {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "The authorization code has expired.")
	}
	if form.Get("redirect_uri") != ac.redirectURI {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the one of the authorization request.")
	}
	verifier := form.Get("code_verifier")
	if ac.challenge != "" {
		if !isPKCEValue(verifier) {
			return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "code_verifier is missing or malformed.")
		}
		sum := sha256.Sum256([]byte(verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ac.challenge)) != 1 {
			return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge.")
		}
	} else if verifier != "" {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "code_verifier was sent but the authorization request had no code_challenge.")
	}
	if p.id != ac.poolID {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "The authorization code is invalid.")
	}
	u := p.users[p.key(ac.username)]
	if u == nil || u.sub != ac.sub {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "%s", msgUserDoesNotExist)
	}
	if !u.enabled {
		return nil, oauthErr(http.StatusBadRequest, "invalid_grant", "%s", msgUserDisabled)
	}
	res, aerr := s.issueGrantLocked(c, p, u, "", ac.scopes, ac.nonce)
	if aerr != nil {
		return nil, oauthErr(http.StatusInternalServerError, "server_error", "%s", aerr.msg)
	}
	if rt := s.idp.refreshTokens[res.RefreshToken]; rt != nil {
		ac.originJTI = rt.originJTI
	}
	return res, nil
}

// ---- /oauth2/revoke ----

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	_, _, basic := r.BasicAuth()
	form, oerr := readOAuthForm(r)
	if oerr == nil {
		s.mu.Lock()
		oerr = s.revokeLocked(r, form)
		s.unlockAndLog()
	}
	if oerr != nil {
		oerr.write(w, basic)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revokeLocked(r *http.Request, form url.Values) *oauthError {
	c, _, oerr := s.clientAuthLocked(r, form)
	if oerr != nil {
		return oerr
	}
	tok := form.Get("token")
	if tok == "" {
		return oauthErr(http.StatusBadRequest, "invalid_request", "token is missing.")
	}
	rt := s.idp.refreshTokens[tok]
	if rt == nil {
		if strings.Count(tok, ".") == 2 {
			return oauthErr(http.StatusBadRequest, "unsupported_token_type", "Only refresh tokens can be revoked.")
		}
		return nil // RFC 7009: an unknown token is not an error
	}
	if rt.clientID != c.id {
		return oauthErr(http.StatusBadRequest, "unauthorized_client", "The token was not issued to client %s.", c.id)
	}
	s.revokeFamilyLocked(rt)
	return nil
}

// ---- /oauth2/userInfo ----

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, desc string) {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+desc+`"`)
		writeOAuthJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeOAuthJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "userInfo takes GET or POST"})
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		fail(http.StatusUnauthorized, "invalid_request", "Access token is missing")
		return
	}
	s.mu.Lock()
	_, u, claims, aerr := s.accessTokenClaimsLocked(token)
	var out map[string]string
	if aerr == nil {
		out = userInfoClaims(u, strings.Fields(claimString(claims, "scope")))
	}
	s.mu.Unlock()
	switch {
	case aerr != nil:
		fail(http.StatusUnauthorized, "invalid_token", aerr.msg)
	case out == nil:
		fail(http.StatusForbidden, "insufficient_scope", "Access token does not have the openid scope")
	default:
		writeOAuthJSON(w, http.StatusOK, out)
	}
}

// userInfoClaims are the attributes userInfo returns for an access token
// with scopes: nil without openid (or the admin scope). Values are all
// strings, as Cognito returns them.
func userInfoClaims(u *poolUser, scopes []string) map[string]string {
	admin := contains(scopes, scopeAdmin)
	if !contains(scopes, "openid") && !admin {
		return nil
	}
	all := admin || contains(scopes, "profile")
	out := map[string]string{"sub": u.sub, "username": u.username}
	for k, v := range u.attrs {
		switch {
		case k == "sub":
		case all:
			out[k] = v
		case (k == "email" || k == "email_verified") && contains(scopes, "email"):
			out[k] = v
		case (k == "phone_number" || k == "phone_number_verified") && contains(scopes, "phone"):
			out[k] = v
		}
	}
	return out
}

// ---- /logout ----

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErrorPage(w, http.StatusMethodNotAllowed, "invalid_request", "The logout endpoint takes GET requests.")
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var out authzOutcome
	c := s.appClients[q.Get("client_id")]
	switch {
	case q.Get("client_id") == "":
		out = errorPage(http.StatusBadRequest, "invalid_request", "The request has no client_id.")
	case c == nil:
		out = errorPage(http.StatusBadRequest, "invalid_client", "User pool client %s does not exist.", q.Get("client_id"))
	case q.Get("logout_uri") != "":
		if contains(c.oauth.logoutURLs, q.Get("logout_uri")) {
			out = authzOutcome{location: q.Get("logout_uri")}
		} else {
			out = errorPage(http.StatusBadRequest, "redirect_mismatch", "redirect_mismatch: %s is not one of the sign-out URLs of client %s.", q.Get("logout_uri"), c.id)
		}
	case q.Get("redirect_uri") != "":
		// Sign out and sign in again, as Cognito's /logout does with
		// redirect_uri and response_type.
		out = s.authorizeLocked(q)
	default:
		out = errorPage(http.StatusBadRequest, "invalid_request", "The request has neither logout_uri nor redirect_uri.")
	}
	s.unlockAndLog()
	out.write(w)
}

// ---- /.well-known at the root ----

// serveRootWellKnown answers /.well-known/openid-configuration and
// /.well-known/jwks.json at the root, as the pool's own documents when the
// Server has exactly one user pool (issuer = that pool's issuer, the "iss"
// of its tokens). With none or several it answers 404 naming the per-pool
// paths.
func (s *Server) serveRootWellKnown(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	s.mu.Lock()
	var ids []string
	for id := range s.userPools {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	if len(ids) != 1 {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		b, _ := json.Marshal(map[string]string{"message": fmt.Sprintf(
			"cognitotest has %d user pools: use /<userPoolId>%s (the root document exists when there is exactly one)", len(ids), r.URL.Path)})
		if r.Method == http.MethodGet {
			w.Write(b)
		}
		return true
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + ids[0] + r.URL.Path
	return s.serveWellKnown(w, r2)
}

// ---- pages ----

// signInPage is the sign-in form. Tests drive it by these names: inputs
// name="username" and name="password", buttons id="signin" and
// id="cancel", and (only when there is one) the message id="error". At
// stage newpassword: inputs name="new_password", name="confirm_password"
// and name="attr.<attribute>" for each of Attrs, button id="set-password";
// at stage mfa: input name="code", button id="verify", and the text
// id="prompt".
type signInPage struct {
	ClientName string
	Session    string
	Username   string
	Error      string
	Stage      string
	Prompt     string
	Attrs      []string
}

// The pages are built with html.EscapeString rather than html/template:
// html/template's reflection on method names makes the linker keep every
// exported method of every type in the binary, which made cognito-login
// (which links this emulator for demo and emulator) 16 MiB larger and
// slower to start for every command.

func writeSignInHTML(w io.Writer, p *signInPage) {
	e := html.EscapeString
	errLine := ""
	if p.Error != "" {
		errLine = `<p id="error" role="alert">` + e(p.Error) + "</p>\n"
	}
	var fields, button, title string
	switch p.Stage {
	case stageNewPassword:
		title = "Change your password"
		var b strings.Builder
		fmt.Fprintf(&b, `<p id="prompt">%s: choose a new password to replace your temporary one.</p>
<label for="new-password">New password</label>
<input type="password" id="new-password" name="new_password" autocomplete="new-password" autofocus>
<label for="confirm-password">Enter it again</label>
<input type="password" id="confirm-password" name="confirm_password" autocomplete="new-password">
`, e(p.Username))
		for _, a := range p.Attrs {
			fmt.Fprintf(&b, `<label for="attr-%s">%s</label>
<input type="text" id="attr-%s" name="attr.%s">
`, e(a), e(a), e(a), e(a))
		}
		fields = b.String()
		button = `<button type="submit" id="set-password" name="action" value="newpassword">Change password</button>`
	case stageMFA:
		title = "Verify it is you"
		fields = fmt.Sprintf(`<p id="prompt">%s</p>
<label for="code">Code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autofocus>
`, e(p.Prompt))
		button = `<button type="submit" id="verify" name="action" value="mfa">Verify</button>`
	default:
		title = "Sign in"
		fields = fmt.Sprintf(`<label for="username">Username</label>
<input type="text" id="username" name="username" value="%s" autocomplete="username" autocapitalize="none" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
`, e(p.Username))
		button = `<button type="submit" id="signin" name="action" value="signin">Sign in</button>`
	}
	fmt.Fprintf(w, `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}
input[type=text],input[type=password]{width:100%%;box-sizing:border-box;padding:.4rem}
.buttons{margin-top:1rem;display:flex;gap:.5rem}
#error{color:#b00020}
</style>
</head>
<body>
<main>
<h1>%s</h1>
<p id="client">to %s (cognitotest hosted UI)</p>
%s<form id="signin-form" method="post" action="/login">
<input type="hidden" name="login_session" value="%s">
%s<div class="buttons">
%s
<button type="submit" id="cancel" formaction="/cancel?login_session=%s" name="action" value="cancel" formnovalidate>Cancel</button>
</div>
</form>
</main>
</body>
</html>
`, title, title, e(p.ClientName), errLine, e(p.Session), fields, button, e(url.QueryEscape(p.Session)))
}

func writeErrorHTML(w io.Writer, code, message string) {
	e := html.EscapeString
	fmt.Fprintf(w, `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error: %s</title>
</head>
<body>
<main>
<h1>An error was encountered with the requested page.</h1>
<p id="error" role="alert" data-error="%s">%s</p>
<p id="error-code">%s</p>
</main>
</body>
</html>
`, e(code), e(code), e(message), e(code))
}

func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	// No form-action: browsers apply it to the redirect after the form,
	// and the callback is another origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
}

func writeSignInPage(w http.ResponseWriter, status int, p *signInPage) {
	pageHeaders(w)
	w.WriteHeader(status)
	writeSignInHTML(w, p)
}

func writeErrorPage(w http.ResponseWriter, status int, code, message string) {
	pageHeaders(w)
	w.WriteHeader(status)
	writeErrorHTML(w, code, message)
}
