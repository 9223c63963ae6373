package cognitotest

import (
	"crypto/subtle"
	"time"
)

// Refresh-token rotation and GetTokensFromRefreshToken.
//
// An app client with RefreshTokenRotation ENABLED answers
// GetTokensFromRefreshToken with new ID and access tokens and a new refresh
// token, and rotates the submitted refresh token out: it stays usable for
// the client's RetryGracePeriodSeconds (0–60) and is refused after that
// with NotAuthorizedException "Invalid Refresh Token". The refresh tokens
// one sign-in leads to form a family: same user, client, device binding,
// auth_time and origin_jti, and the same absolute expiry as the sign-in's
// refresh token (rotation never extends a session). Revoking any token of
// a family (RevokeToken), or GlobalSignOut, revokes the whole family, and
// through the shared origin_jti every ID and access token it issued.
//
// Retries: a rotated-out token used again within its grace period gets new
// ID and access tokens and the SAME replacement refresh token its first use
// got (or, if that replacement has been rotated out in turn, the family's
// current refresh token). A family thus never forks into several live
// branches, and a client that retries because it lost a response ends up
// holding the one live refresh token whichever response it keeps.
//
// With rotation DISABLED, GetTokensFromRefreshToken behaves like
// REFRESH_TOKEN_AUTH: ID and access tokens only, the refresh token stays
// valid until it expires or is revoked.

// maxRotationGracePeriod is RetryGracePeriodSeconds' upper bound.
const maxRotationGracePeriod = 60 * time.Second

// msgRotationRefreshAuth refuses REFRESH_TOKEN_AUTH on a rotating client.
const msgRotationRefreshAuth = "Refresh token rotation is enabled for this app client: REFRESH_TOKEN_AUTH is not supported, use GetTokensFromRefreshToken to refresh tokens"

// rotationRefusal is InitiateAuth's answer to REFRESH_TOKEN_AUTH (or
// REFRESH_TOKEN) on an app client with refresh token rotation enabled.
//
// Assumption: AWS documents that such clients can't use REFRESH_TOKEN_AUTH
// but not which exception they get. We answer InvalidParameterException,
// as for any auth flow the client does not allow ("… flow not enabled for
// this client"), with a message that names GetTokensFromRefreshToken.
func rotationRefusal() *apiError {
	return apiErr(errInvalidParameter, msgRotationRefreshAuth)
}

type refreshTokenRotationJSON struct {
	Feature                 string
	RetryGracePeriodSeconds *int64 `json:",omitempty"`
}

// rotationSpec turns CreateUserPoolClient's RefreshTokenRotation into the
// clientSpec fields.
func rotationSpec(in *refreshTokenRotationJSON, spec *clientSpec) *apiError {
	if in == nil {
		return nil
	}
	switch in.Feature {
	case "":
		return missingParam("RefreshTokenRotation.Feature")
	case "ENABLED":
		spec.rotation = true
	case "DISABLED":
	default:
		return apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", in.Feature)
	}
	spec.rotationSet = true
	if n := in.RetryGracePeriodSeconds; n != nil {
		if *n < 0 || *n > int64(maxRotationGracePeriod/time.Second) {
			return apiErr(errInvalidParameter, "1 validation error detected: Value '%d' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value between 0 and 60", *n)
		}
		spec.rotationGrace = time.Duration(*n) * time.Second
	}
	return nil
}

func validateRotationGrace(d time.Duration) *apiError {
	if d < 0 || d > maxRotationGracePeriod || d%time.Second != 0 {
		return apiErr(errInvalidParameter, "RetryGracePeriodSeconds must be a whole number of seconds between 0 and 60, got %s", d)
	}
	return nil
}

// rotationJSON is what DescribeUserPoolClient reports; nil for a client
// created without RefreshTokenRotation.
func (c *appClient) rotationJSON() *refreshTokenRotationJSON {
	if !c.rotationSet {
		return nil
	}
	feature := "DISABLED"
	if c.rotation {
		feature = "ENABLED"
	}
	grace := int64(c.rotationGrace / time.Second)
	return &refreshTokenRotationJSON{Feature: feature, RetryGracePeriodSeconds: &grace}
}

type getTokensFromRefreshTokenInput struct {
	ClientId       string
	RefreshToken   string
	ClientSecret   string
	DeviceKey      string
	ClientMetadata map[string]string // accepted; there are no Lambda triggers to pass it to
}

func (s *Server) opGetTokensFromRefreshToken(in *getTokensFromRefreshTokenInput) (any, *apiError) {
	if in.RefreshToken == "" {
		return nil, missingParam("RefreshToken")
	}
	c, p, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	// This operation takes the client secret itself, not a SECRET_HASH.
	if c.secret != "" {
		if in.ClientSecret == "" {
			return nil, apiErr(errNotAuthorized, "Client %s is configured with secret but ClientSecret was not received", c.id)
		}
		if subtle.ConstantTimeCompare([]byte(c.secret), []byte(in.ClientSecret)) != 1 {
			return nil, apiErr(errNotAuthorized, "Unable to verify client secret for client %s", c.id)
		}
	}
	rt, aerr := s.refreshTokenLocked(c, in.RefreshToken)
	if aerr != nil {
		return nil, aerr
	}
	u, aerr := s.checkRefreshTokenLocked(p, rt, in.DeviceKey)
	if aerr != nil {
		return nil, aerr
	}
	res, aerr := s.refreshGrantLocked(c, p, u, rt)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"AuthenticationResult": res}, nil
}

// refreshGrantLocked issues tokens for a refresh token that passed
// checkRefreshTokenLocked, rotating it when the client rotates refresh
// tokens (the result then carries the new refresh token). It serves
// GetTokensFromRefreshToken and the hosted UI's refresh_token grant.
func (s *Server) refreshGrantLocked(c *appClient, p *userPool, u *poolUser, rt *refreshToken) (*authResultJSON, *apiError) {
	if !c.rotation {
		return s.issueFromRefreshLocked(c, p, u, rt)
	}
	if rt.successor != "" {
		// A retry within the grace period: the replacement already made,
		// or the family's current token if that was rotated out too.
		headTok, head := rt.successor, s.idp.refreshTokens[rt.successor]
		for head != nil && head.successor != "" && s.idp.refreshTokens[head.successor] != nil {
			headTok, head = head.successor, s.idp.refreshTokens[head.successor]
		}
		if head == nil {
			return nil, apiErr(errNotAuthorized, msgInvalidRefresh)
		}
		res, aerr := s.issueFromRefreshLocked(c, p, u, head)
		if aerr != nil {
			return nil, aerr
		}
		res.RefreshToken = headTok
		return res, nil
	}
	next := &refreshToken{
		userPoolID: rt.userPoolID,
		clientID:   rt.clientID,
		username:   rt.username,
		sub:        rt.sub,
		originJTI:  rt.originJTI,
		authTime:   rt.authTime,
		expires:    rt.expires, // the family keeps the sign-in's lifetime
		deviceKey:  rt.deviceKey,
		scopes:     rt.scopes,
	}
	res, aerr := s.issueFromRefreshLocked(c, p, u, next)
	if aerr != nil {
		return nil, aerr
	}
	tok := s.newRefreshTokenString()
	s.idp.refreshTokens[tok] = next
	rt.successor = tok
	rt.graceEnds = s.now().Add(c.rotationGrace)
	res.RefreshToken = tok
	return res, nil
}

// refreshTokenLocked finds a refresh token issued to client c.
func (s *Server) refreshTokenLocked(c *appClient, tok string) (*refreshToken, *apiError) {
	rt := s.idp.refreshTokens[tok]
	if rt == nil || rt.clientID != c.id {
		return nil, apiErr(errNotAuthorized, msgInvalidRefresh)
	}
	return rt, nil
}

// checkRefreshTokenLocked decides whether rt may be used now, with the
// DEVICE_KEY / DeviceKey deviceKey, and returns its user: not revoked
// (itself or its family), not rotated out past its grace period, not
// expired, its user still there and enabled, and used with the device it
// is bound to.
func (s *Server) checkRefreshTokenLocked(p *userPool, rt *refreshToken, deviceKey string) (*poolUser, *apiError) {
	now := s.now()
	if rt.revoked || s.idp.revokedOrigins[rt.originJTI] {
		return nil, apiErr(errNotAuthorized, msgRefreshRevoked)
	}
	if rt.successor != "" && !now.Before(rt.graceEnds) {
		return nil, apiErr(errNotAuthorized, msgInvalidRefresh)
	}
	if !now.Before(rt.expires) {
		return nil, apiErr(errNotAuthorized, msgRefreshExpired)
	}
	u := p.users[p.key(rt.username)]
	if u == nil || u.sub != rt.sub {
		return nil, apiErr(errNotAuthorized, msgInvalidRefresh)
	}
	if rt.deviceKey != "" {
		// A refresh token bound to a device is only good with that device's
		// key. A client that never confirmed its new device may leave the
		// key out.
		d := u.devices[rt.deviceKey]
		if deviceKey != rt.deviceKey && (deviceKey != "" || (d != nil && d.confirmed)) {
			return nil, apiErr(errNotAuthorized, msgInvalidRefresh)
		}
	}
	if !u.enabled {
		return nil, apiErr(errNotAuthorized, msgUserDisabled)
	}
	return u, nil
}

// revokeFamilyLocked revokes every refresh token that shares rt's
// origin_jti (rt and the tokens rotation made from it or it from them) and,
// through the origin_jti, the ID and access tokens they issued.
func (s *Server) revokeFamilyLocked(rt *refreshToken) {
	for _, other := range s.idp.refreshTokens {
		if other.originJTI == rt.originJTI {
			other.revoked = true
		}
	}
	s.idp.revokedOrigins[rt.originJTI] = true
}
