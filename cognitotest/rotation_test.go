package cognitotest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// getTokens calls GetTokensFromRefreshToken through the SDK; secret and
// deviceKey are sent when not "".
func (a *flow) getTokens(refresh, secret, deviceKey string) (*types.AuthenticationResultType, error) {
	in := &cip.GetTokensFromRefreshTokenInput{
		ClientId: &a.clientID, RefreshToken: aws.String(refresh),
		ClientMetadata: map[string]string{"app": "cognitotest"},
	}
	if secret != "" {
		in.ClientSecret = aws.String(secret)
	}
	if deviceKey != "" {
		in.DeviceKey = aws.String(deviceKey)
	}
	out, err := a.f.client.GetTokensFromRefreshToken(context.Background(), in)
	if err != nil {
		return nil, err
	}
	wantTokens(a.t, out.AuthenticationResult)
	return out.AuthenticationResult, nil
}

// mustGetTokens is getTokens with the client's own secret that must succeed.
func (a *flow) mustGetTokens(refresh, deviceKey string) *types.AuthenticationResultType {
	a.t.Helper()
	res, err := a.getTokens(refresh, a.secret, deviceKey)
	if err != nil {
		a.t.Fatalf("GetTokensFromRefreshToken: %v", err)
	}
	return res
}

// refreshAuth runs InitiateAuth REFRESH_TOKEN_AUTH.
func (a *flow) refreshAuth(username, refresh string) (*cip.InitiateAuthOutput, error) {
	return a.initiate(types.AuthFlowTypeRefreshTokenAuth, a.withHash(username, map[string]string{"REFRESH_TOKEN": refresh}))
}

// signIn signs alice in with SRP and returns the tokens.
func (a *flow) signIn() *types.AuthenticationResultType {
	a.t.Helper()
	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		a.t.Fatal(err)
	}
	wantTokens(a.t, out.AuthenticationResult)
	if aws.ToString(out.AuthenticationResult.RefreshToken) == "" {
		a.t.Fatal("sign-in gave no refresh token")
	}
	return out.AuthenticationResult
}

func TestGetTokensFromRefreshTokenWithoutRotation(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()

	d, err := f.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &a.poolID, ClientId: &a.clientID})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.UserPoolClient.RefreshTokenRotation; r != nil && r.Feature != types.FeatureTypeDisabled {
		t.Errorf("RefreshTokenRotation = %+v; want none or DISABLED", r)
	}

	first := a.signIn()
	rt := aws.ToString(first.RefreshToken)
	f.clock.Advance(2 * time.Hour) // past the first tokens' expiry
	f.s.ResetCounts()
	res := a.mustGetTokens(rt, "")
	if res.RefreshToken != nil {
		t.Errorf("RefreshToken = %q without rotation; want none", aws.ToString(res.RefreshToken))
	}
	if aws.ToString(res.TokenType) != "Bearer" || res.ExpiresIn != 3600 {
		t.Errorf("result = type %q expires %d", aws.ToString(res.TokenType), res.ExpiresIn)
	}
	c1 := verifyWithJWKS(t, f.s, a.poolID, aws.ToString(first.IdToken))
	c2 := verifyWithJWKS(t, f.s, a.poolID, aws.ToString(res.IdToken))
	if c1["origin_jti"] != c2["origin_jti"] || c1["auth_time"] != c2["auth_time"] || c1["jti"] == c2["jti"] {
		t.Errorf("refreshed claims: origin %v/%v auth_time %v/%v", c1["origin_jti"], c2["origin_jti"], c1["auth_time"], c2["auth_time"])
	}
	if _, err := f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}); err != nil {
		t.Errorf("GetUser with the refreshed access token: %v", err)
	}
	// The token is not rotated out: it keeps working, with both operations.
	f.clock.Advance(time.Hour)
	a.mustGetTokens(rt, "")
	out, err := a.refreshAuth("alice", rt)
	if err != nil {
		t.Fatalf("REFRESH_TOKEN_AUTH without rotation: %v", err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken != nil {
		t.Errorf("REFRESH_TOKEN_AUTH result = %+v", out.AuthenticationResult)
	}
	if got := f.s.Count("GetTokensFromRefreshToken"); got != 2 {
		t.Errorf("Count(GetTokensFromRefreshToken) = %d; want 2", got)
	}

	// Errors: unknown token, another client's token, missing token.
	_, err = a.getTokens("nope", "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	other, _, err := f.s.CreateUserPoolClient(a.poolID, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: &other, RefreshToken: &rt})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	_, err = f.client.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String("nosuchclient"), RefreshToken: &rt})
	wantIDPError[*types.ResourceNotFoundException](t, err, "")

	// The refresh token's own expiry (RefreshTokenValidity, 30 days) holds.
	f.clock.Advance(30 * 24 * time.Hour)
	_, err = a.getTokens(rt, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has expired")
}

func TestRefreshTokenRotationClientConfig(t *testing.T) {
	f := newIDPFixture(t)
	poolID, err := f.s.CreateUserPool(UserPoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	create := func(rot *types.RefreshTokenRotationType) (*types.UserPoolClientType, error) {
		out, err := f.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: &poolID, ClientName: aws.String("app"), RefreshTokenRotation: rot,
		})
		if err != nil {
			return nil, err
		}
		return out.UserPoolClient, nil
	}
	c, err := create(&types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(45)})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*types.UserPoolClientType{c, describeClient(t, f, poolID, aws.ToString(c.ClientId))} {
		r := got.RefreshTokenRotation
		if r == nil || r.Feature != types.FeatureTypeEnabled || aws.ToInt32(r.RetryGracePeriodSeconds) != 45 {
			t.Errorf("RefreshTokenRotation = %+v; want ENABLED 45", r)
		}
	}
	c, err = create(&types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled})
	if err != nil {
		t.Fatal(err)
	}
	if r := describeClient(t, f, poolID, aws.ToString(c.ClientId)).RefreshTokenRotation; r == nil || r.Feature != types.FeatureTypeDisabled || aws.ToInt32(r.RetryGracePeriodSeconds) != 0 {
		t.Errorf("RefreshTokenRotation = %+v; want DISABLED 0", r)
	}
	for _, bad := range []*types.RefreshTokenRotationType{
		{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(61)},
		{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(-1)},
		{Feature: "SOMETIMES"},
	} {
		_, err := create(bad)
		wantIDPError[*types.InvalidParameterException](t, err, "")
	}

	// The Go API: RotationGracePeriod is 0–60s in whole seconds.
	id, _, err := f.s.CreateUserPoolClient(poolID, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r := describeClient(t, f, poolID, id).RefreshTokenRotation; r == nil || r.Feature != types.FeatureTypeEnabled || aws.ToInt32(r.RetryGracePeriodSeconds) != 60 {
		t.Errorf("RefreshTokenRotation = %+v; want ENABLED 60", r)
	}
	for _, d := range []time.Duration{61 * time.Second, -time.Second, 1500 * time.Millisecond} {
		if _, _, err := f.s.CreateUserPoolClient(poolID, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: d}); err == nil {
			t.Errorf("RotationGracePeriod %s accepted", d)
		}
	}
}

func describeClient(t *testing.T, f *idpFixture, poolID, clientID string) *types.UserPoolClientType {
	t.Helper()
	out, err := f.client.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{UserPoolId: &poolID, ClientId: &clientID})
	if err != nil {
		t.Fatal(err)
	}
	return out.UserPoolClient
}

func TestRefreshTokenRotation(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: 30 * time.Second})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()

	first := a.signIn()
	rt0 := aws.ToString(first.RefreshToken)

	// REFRESH_TOKEN_AUTH is refused on a rotating client.
	_, err := a.refreshAuth("alice", rt0)
	wantIDPError[*types.InvalidParameterException](t, err, msgRotationRefreshAuth)
	_, err = a.initiate(types.AuthFlowTypeRefreshToken, map[string]string{"REFRESH_TOKEN": rt0})
	wantIDPError[*types.InvalidParameterException](t, err, msgRotationRefreshAuth)

	res1 := a.mustGetTokens(rt0, "")
	rt1 := aws.ToString(res1.RefreshToken)
	if rt1 == "" || rt1 == rt0 {
		t.Fatalf("rotated refresh token = %q; want a new one", rt1)
	}
	c0 := verifyWithJWKS(t, f.s, a.poolID, aws.ToString(first.IdToken))
	c1 := verifyWithJWKS(t, f.s, a.poolID, aws.ToString(res1.IdToken))
	if c0["origin_jti"] != c1["origin_jti"] || c0["auth_time"] != c1["auth_time"] || c0["sub"] != c1["sub"] {
		t.Errorf("rotated ID token claims differ: %v / %v", c0, c1)
	}

	// Within the grace period the old token still works, and a retry gets
	// the same replacement refresh token (but new ID and access tokens).
	f.clock.Advance(10 * time.Second)
	retry := a.mustGetTokens(rt0, "")
	if got := aws.ToString(retry.RefreshToken); got != rt1 {
		t.Errorf("retry within grace gave refresh token %.20q…; want the same replacement %.20q…", got, rt1)
	}
	if aws.ToString(retry.AccessToken) == aws.ToString(res1.AccessToken) {
		t.Error("retry returned the same access token")
	}
	if _, err := f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: retry.AccessToken}); err != nil {
		t.Errorf("GetUser with the retry's access token: %v", err)
	}

	// After the grace period it is refused; the replacement keeps working
	// and is rotated in turn.
	f.clock.Advance(21 * time.Second) // 31s after the rotation
	_, err = a.getTokens(rt0, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	res2 := a.mustGetTokens(rt1, "")
	rt2 := aws.ToString(res2.RefreshToken)
	if rt2 == "" || rt2 == rt1 || rt2 == rt0 {
		t.Fatalf("second rotation gave %.20q…", rt2)
	}
	// Each rotation issues a new refresh token.
	f.clock.Advance(time.Minute)
	rt3 := aws.ToString(a.mustGetTokens(rt2, "").RefreshToken)
	if rt3 == "" || rt3 == rt2 || rt3 == rt1 {
		t.Fatalf("third rotation gave %.20q…", rt3)
	}
	_, err = a.refreshAuth("alice", rt3)
	wantIDPError[*types.InvalidParameterException](t, err, msgRotationRefreshAuth)
	if got := f.s.Count("GetTokensFromRefreshToken"); got != 5 {
		t.Errorf("Count(GetTokensFromRefreshToken) = %d; want 5", got)
	}
}

func TestRefreshTokenRotationChainedRetry(t *testing.T) {
	// A retry of a rotated-out token within its grace period, after its
	// replacement has been rotated too, gets the family's current token:
	// the family never has two live branches.
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: 60 * time.Second})
	a.user("alice", goodPassword, nil)
	rt0 := aws.ToString(a.signIn().RefreshToken)
	rt1 := aws.ToString(a.mustGetTokens(rt0, "").RefreshToken)
	rt2 := aws.ToString(a.mustGetTokens(rt1, "").RefreshToken)
	f.clock.Advance(5 * time.Second)
	if got := aws.ToString(a.mustGetTokens(rt0, "").RefreshToken); got != rt2 {
		t.Errorf("retry of rt0 gave %.20q…; want the current rt2 %.20q…", got, rt2)
	}
	if got := aws.ToString(a.mustGetTokens(rt1, "").RefreshToken); got != rt2 {
		t.Errorf("retry of rt1 gave %.20q…; want the current rt2 %.20q…", got, rt2)
	}
}

func TestRefreshTokenRotationNoGrace(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{RefreshTokenRotation: true})
	a.user("alice", goodPassword, nil)
	rt0 := aws.ToString(a.signIn().RefreshToken)
	rt1 := aws.ToString(a.mustGetTokens(rt0, "").RefreshToken)
	if rt1 == "" || rt1 == rt0 {
		t.Fatalf("rotated refresh token = %q", rt1)
	}
	_, err := a.getTokens(rt0, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	if aws.ToString(a.mustGetTokens(rt1, "").RefreshToken) == "" {
		t.Error("no refresh token from the second rotation")
	}
}

func TestRefreshTokenRotationKeepsFamilyExpiry(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{
		RefreshTokenRotation: true, RotationGracePeriod: 10 * time.Second,
		IDTokenValidity: 30 * time.Minute, AccessTokenValidity: 30 * time.Minute, RefreshTokenValidity: 2 * time.Hour,
	})
	a.user("alice", goodPassword, nil)
	signedIn := f.s.now()
	rt0 := aws.ToString(a.signIn().RefreshToken)

	f.clock.Advance(90 * time.Minute)
	rt1 := aws.ToString(a.mustGetTokens(rt0, "").RefreshToken)
	f.clock.Advance(29 * time.Minute) // 1h59m after the sign-in
	rt2 := aws.ToString(a.mustGetTokens(rt1, "").RefreshToken)

	f.s.mu.Lock()
	want := signedIn.Add(2 * time.Hour)
	for i, tok := range []string{rt0, rt1, rt2} {
		if got := f.s.idp.refreshTokens[tok].expires; !got.Equal(want) {
			t.Errorf("rt%d expires %s; want the sign-in's %s", i, got, want)
		}
	}
	f.s.mu.Unlock()

	// Rotation did not extend the session: the newest token expires when
	// the sign-in's would have.
	f.clock.Advance(time.Minute + time.Second)
	_, err := a.getTokens(rt2, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has expired")
}

func TestRefreshTokenRotationRevokesFamily(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: 30 * time.Second})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()

	first := a.signIn()
	rt0 := aws.ToString(first.RefreshToken)
	res1 := a.mustGetTokens(rt0, "")
	rt1 := aws.ToString(res1.RefreshToken)
	// Another sign-in is another family, which revocation leaves alone.
	other := a.signIn()

	f.clock.Advance(5 * time.Second)
	if _, err := f.client.RevokeToken(ctx, &cip.RevokeTokenInput{Token: &rt1, ClientId: &a.clientID}); err != nil {
		t.Fatal(err)
	}
	// The rotated-out token is within its grace period, yet revoked with
	// its family.
	_, err := a.getTokens(rt0, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	_, err = a.getTokens(rt1, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	for _, at := range []*string{first.AccessToken, res1.AccessToken} {
		_, err = f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: at})
		wantIDPError[*types.NotAuthorizedException](t, err, "Access Token has been revoked")
	}
	rtOther := aws.ToString(a.mustGetTokens(aws.ToString(other.RefreshToken), "").RefreshToken)

	// Revoking the old token of a family revokes the new one too.
	rtOther2 := aws.ToString(a.mustGetTokens(rtOther, "").RefreshToken)
	if _, err := f.client.RevokeToken(ctx, &cip.RevokeTokenInput{Token: &rtOther, ClientId: &a.clientID}); err != nil {
		t.Fatal(err)
	}
	_, err = a.getTokens(rtOther2, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")

	// GlobalSignOut revokes every family of the user, old and new tokens.
	g := a.signIn()
	g0 := aws.ToString(g.RefreshToken)
	gRes := a.mustGetTokens(g0, "")
	if _, err := f.client.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: gRes.AccessToken}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{g0, aws.ToString(gRes.RefreshToken)} {
		_, err = a.getTokens(tok, "", "")
		wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	}
}

func TestRefreshTokenRotationClientSecret(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{GenerateSecret: true, RefreshTokenRotation: true, RotationGracePeriod: 30 * time.Second})
	a.user("alice", goodPassword, nil)
	if a.secret == "" {
		t.Fatal("no client secret")
	}
	rt0 := aws.ToString(a.signIn().RefreshToken)

	_, err := a.getTokens(rt0, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Client "+a.clientID+" is configured with secret but ClientSecret was not received")
	_, err = a.getTokens(rt0, a.secret+"x", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Unable to verify client secret for client "+a.clientID)
	// A SECRET_HASH is not the secret.
	_, err = a.getTokens(rt0, a.withHash("alice", map[string]string{})["SECRET_HASH"], "")
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	// Refused attempts did not rotate the token out.
	res := a.mustGetTokens(rt0, "")
	if aws.ToString(res.RefreshToken) == "" {
		t.Error("no rotated refresh token")
	}
	// REFRESH_TOKEN_AUTH with a correct SECRET_HASH is still refused.
	_, err = a.refreshAuth("alice", aws.ToString(res.RefreshToken))
	wantIDPError[*types.InvalidParameterException](t, err, msgRotationRefreshAuth)
}

func TestRefreshTokenRotationDeviceBound(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{Devices: "always"}, ClientConfig{RefreshTokenRotation: true, RotationGracePeriod: 30 * time.Second})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()

	first := a.signIn()
	dev, _ := a.confirmDevice(first, "laptop")
	rt0 := aws.ToString(first.RefreshToken)
	// Another device of the same user.
	second := a.signIn()
	other, _ := a.confirmDevice(second, "phone")

	// A refresh token bound to a confirmed device needs its key.
	_, err := a.getTokens(rt0, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	_, err = a.getTokens(rt0, "", other.key)
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	res1 := a.mustGetTokens(rt0, dev.key)
	rt1 := aws.ToString(res1.RefreshToken)
	if rt1 == "" || rt1 == rt0 {
		t.Fatalf("rotated refresh token = %q", rt1)
	}
	if got := accessClaims(t, aws.ToString(res1.AccessToken))["device_key"]; got != dev.key {
		t.Errorf("access token device_key = %v; want %s", got, dev.key)
	}
	// The replacement is bound to the same device.
	_, err = a.getTokens(rt1, "", "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")
	res2 := a.mustGetTokens(rt1, dev.key)
	if got := accessClaims(t, aws.ToString(res2.AccessToken))["device_key"]; got != dev.key {
		t.Errorf("access token device_key = %v; want %s", got, dev.key)
	}
	if _, err := f.client.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: res2.AccessToken, DeviceKey: &dev.key}); err != nil {
		t.Errorf("GetDevice with the rotated access token: %v", err)
	}
}
