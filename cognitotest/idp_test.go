package cognitotest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

const goodPassword = "Correct-horse-9"

// idpClock is a settable clock for Options.Now.
type idpClock struct {
	mu sync.Mutex
	t  time.Time
}

func newIDPClock() *idpClock {
	return &idpClock{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *idpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *idpClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type idpFixture struct {
	s      *Server
	url    string
	client *cip.Client
	clock  *idpClock
}

func newIDPFixture(t *testing.T) *idpFixture {
	t.Helper()
	clock := newIDPClock()
	s := NewServer(Options{Region: "eu-west-1", Now: clock.Now})
	u, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := cip.New(cip.Options{
		Region:           s.Region(),
		BaseEndpoint:     aws.String(u),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return &idpFixture{s: s, url: u, client: c, clock: clock}
}

// seed makes a pool, a client and a confirmed user "alice".
func (f *idpFixture) seed(t *testing.T, pool UserPoolConfig, client ClientConfig) (poolID, clientID, secret string) {
	t.Helper()
	poolID, err := f.s.CreateUserPool(pool)
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret, err = f.s.CreateUserPoolClient(poolID, client)
	if err != nil {
		t.Fatal(err)
	}
	return poolID, clientID, secret
}

type srpResult struct {
	init *cip.InitiateAuthOutput
	resp *cip.RespondToAuthChallengeOutput
}

// srpSignIn runs USER_SRP_AUTH with internal/srp's client side.
func (f *idpFixture) srpSignIn(t *testing.T, poolID, clientID, secret, username, password string) (srpResult, error) {
	t.Helper()
	ctx := context.Background()
	poolName, err := srp.PoolName(poolID)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := srp.NewClient(poolName, nil)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"USERNAME": username, "SRP_A": sc.A()}
	if secret != "" {
		params["SECRET_HASH"] = srp.SecretHash(username, clientID, secret)
	}
	init, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: params,
	})
	if err != nil {
		return srpResult{}, err
	}
	res := srpResult{init: init}
	if init.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("ChallengeName = %q; want PASSWORD_VERIFIER", init.ChallengeName)
	}
	cp := init.ChallengeParameters
	ch, err := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	if err != nil {
		t.Fatalf("ParseChallenge: %v", err)
	}
	userID := cp["USER_ID_FOR_SRP"]
	r, err := sc.Respond(ch, userID, password, f.s.now())
	if err != nil {
		t.Fatal(err)
	}
	responses := map[string]string{
		"USERNAME":                    userID,
		"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE":    r.Signature,
		"TIMESTAMP":                   r.Timestamp,
	}
	if secret != "" {
		responses["SECRET_HASH"] = srp.SecretHash(userID, clientID, secret)
	}
	res.resp, err = f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           aws.String(clientID),
		ChallengeResponses: responses,
		Session:            init.Session,
	})
	return res, err
}

// wantIDPError checks err is the typed SDK error T with the given message
// (any message when msg is "").
func wantIDPError[T smithy.APIError](t *testing.T, err error, msg string) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("err = %v (%T); want %T", err, err, target)
	}
	if msg != "" && target.ErrorMessage() != msg {
		t.Errorf("message = %q; want %q", target.ErrorMessage(), msg)
	}
}

// verifyWithJWKS checks a JWT's RS256 signature against the pool's JWKS
// served over HTTP, independently of the server's own code, and returns
// its claims.
func verifyWithJWKS(t *testing.T, s *Server, poolID, token string) map[string]any {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/"+poolID+"/.well-known/jwks.json", nil)
	if !s.serveWellKnown(rec, req) {
		t.Fatal("serveWellKnown did not handle the JWKS path")
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("JWKS status = %d", rec.Code)
	}
	var set struct {
		Keys []struct{ Kid, Kty, Alg, N, E, Use string } `json:"keys"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var hdr struct{ Kid, Alg string }
	if err := json.Unmarshal(hb, &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr.Alg != "RS256" {
		t.Fatalf("alg = %q; want RS256", hdr.Alg)
	}
	for _, k := range set.Keys {
		if k.Kid != hdr.Kid {
			continue
		}
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Fatalf("key = %+v", k)
		}
		nb, _ := base64.RawURLEncoding.DecodeString(k.N)
		eb, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("signature does not verify with the JWKS: %v", err)
		}
		cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		if err := json.Unmarshal(cb, &claims); err != nil {
			t.Fatal(err)
		}
		return claims
	}
	t.Fatalf("kid %q not in JWKS", hdr.Kid)
	return nil
}

func TestSRPSignIn(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	sub, err := f.s.CreateUser(poolID, "alice", goodPassword, map[string]string{"email": "alice@example.com"}, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.init.ChallengeParameters["USER_ID_FOR_SRP"]; got != "alice" {
		t.Errorf("USER_ID_FOR_SRP = %q; want alice", got)
	}
	if res.init.Session == nil || *res.init.Session == "" {
		t.Error("no Session with PASSWORD_VERIFIER")
	}
	ar := res.resp.AuthenticationResult
	if ar == nil {
		t.Fatalf("no AuthenticationResult; challenge %q", res.resp.ChallengeName)
	}
	if aws.ToString(ar.TokenType) != "Bearer" || ar.ExpiresIn != 3600 || aws.ToString(ar.RefreshToken) == "" {
		t.Errorf("result = type %q expires %d refresh %v", aws.ToString(ar.TokenType), ar.ExpiresIn, ar.RefreshToken != nil)
	}

	claims := verifyWithJWKS(t, f.s, poolID, aws.ToString(ar.IdToken))
	for k, want := range map[string]any{
		"sub":              sub,
		"aud":              clientID,
		"iss":              "https://cognito-idp.eu-west-1.amazonaws.com/" + poolID,
		"token_use":        "id",
		"cognito:username": "alice",
		"email":            "alice@example.com",
		"email_verified":   true,
	} {
		if claims[k] != want {
			t.Errorf("ID token %s = %v; want %v", k, claims[k], want)
		}
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
		t.Errorf("exp - iat = %v; want 3600", exp-iat)
	}
	access := verifyWithJWKS(t, f.s, poolID, aws.ToString(ar.AccessToken))
	if access["token_use"] != "access" || access["client_id"] != clientID || access["username"] != "alice" ||
		access["origin_jti"] != claims["origin_jti"] || access["scope"] != "aws.cognito.signin.user.admin" {
		t.Errorf("access token claims = %v", access)
	}

	gotPool, gotSub, gotClient, err := f.s.verifyIDToken(aws.ToString(ar.IdToken))
	if err != nil || gotPool != poolID || gotSub != sub || gotClient != clientID {
		t.Errorf("verifyIDToken = %q, %q, %q, %v; want %q, %q, %q", gotPool, gotSub, gotClient, err, poolID, sub, clientID)
	}
	if _, _, _, err := f.s.verifyIDToken(aws.ToString(ar.AccessToken)); err == nil {
		t.Error("verifyIDToken accepted an access token")
	}
	tampered := aws.ToString(ar.IdToken)
	tampered = tampered[:len(tampered)-4] + "AAAA"
	if _, _, _, err := f.s.verifyIDToken(tampered); err == nil {
		t.Error("verifyIDToken accepted a tampered token")
	}

	gu, err := f.client.GetUser(context.Background(), &cip.GetUserInput{AccessToken: ar.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(gu.Username) != "alice" {
		t.Errorf("GetUser Username = %q", aws.ToString(gu.Username))
	}

	if got := f.s.Count("InitiateAuth"); got != 1 {
		t.Errorf("Count(InitiateAuth) = %d; want 1", got)
	}
	if got := f.s.Count("RespondToAuthChallenge"); got != 1 {
		t.Errorf("Count(RespondToAuthChallenge) = %d; want 1", got)
	}

	// The ID token expires with the clock.
	f.clock.Advance(time.Hour + time.Second)
	if _, _, _, err := f.s.verifyIDToken(aws.ToString(ar.IdToken)); err == nil {
		t.Error("verifyIDToken accepted an expired token")
	}
}

func TestSRPSignInRefused(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	_, err := f.srpSignIn(t, poolID, clientID, "", "alice", "Wrong-password-1")
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	_, err = f.srpSignIn(t, poolID, clientID, "", "nobody", goodPassword)
	wantIDPError[*types.UserNotFoundException](t, err, "User does not exist.")

	ctx := context.Background()
	_, err = f.client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &poolID, Username: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	wantIDPError[*types.NotAuthorizedException](t, err, "User is disabled.")
	if _, err := f.client.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &poolID, Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &poolID, Username: aws.String("alice")}); err == nil {
		t.Error("AdminResetUserPassword succeeded for a user with no verified email")
	}
	if _, err := f.s.CreateUser(poolID, "bob", goodPassword, map[string]string{"email": "bob@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &poolID, Username: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.srpSignIn(t, poolID, clientID, "", "bob", goodPassword)
	wantIDPError[*types.PasswordResetRequiredException](t, err, "")

	if _, err := f.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &poolID, Username: aws.String("bob"), Password: aws.String("Another-pass-2"), Permanent: true,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srpSignIn(t, poolID, clientID, "", "bob", "Another-pass-2"); err != nil {
		t.Errorf("sign-in after AdminSetUserPassword: %v", err)
	}
	_, err = f.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &poolID, Username: aws.String("bob"), Password: aws.String("short"), Permanent: true,
	})
	wantIDPError[*types.InvalidPasswordException](t, err, "")
}

func TestSRPTimestampAndReplay(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	poolName, _ := srp.PoolName(poolID)
	sc, _ := srp.NewClient(poolName, nil)
	init, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &clientID,
		AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": sc.A()},
	})
	if err != nil {
		t.Fatal(err)
	}
	cp := init.ChallengeParameters
	ch, _ := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	respond := func(at time.Time, session *string) error {
		r, err := sc.Respond(ch, "alice", goodPassword, at)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName: types.ChallengeNameTypePasswordVerifier, ClientId: &clientID, Session: session,
			ChallengeResponses: map[string]string{
				"USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
				"PASSWORD_CLAIM_SIGNATURE": r.Signature, "TIMESTAMP": r.Timestamp,
			},
		})
		return err
	}
	// A timestamp far from the server's clock is refused (and uses up the challenge).
	wantIDPError[*types.NotAuthorizedException](t, respond(f.s.now().Add(-time.Hour), init.Session), "")
	// The challenge is single use, found by Session or (without one) by SECRET_BLOCK.
	wantIDPError[*types.NotAuthorizedException](t, respond(f.s.now(), init.Session), "Invalid session for the user.")
	wantIDPError[*types.NotAuthorizedException](t, respond(f.s.now(), nil), "Invalid session for the user.")
}

func TestClientSecret(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, secret := f.seed(t, UserPoolConfig{}, ClientConfig{GenerateSecret: true})
	if len(secret) != 51 || len(clientID) != 26 || strings.ToLower(clientID) != clientID {
		t.Errorf("client id %q (len %d), secret len %d", clientID, len(clientID), len(secret))
	}
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	res, err := f.srpSignIn(t, poolID, clientID, secret, "alice", goodPassword)
	if err != nil {
		t.Fatalf("with SECRET_HASH: %v", err)
	}

	_, err = f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	_, err = f.srpSignIn(t, poolID, clientID, "not-the-secret", "alice", goodPassword)
	wantIDPError[*types.NotAuthorizedException](t, err, "Unable to verify secret hash for client "+clientID)

	// Refresh needs SECRET_HASH too, computed with the internal username.
	ctx := context.Background()
	refresh := func(hash string) error {
		params := map[string]string{"REFRESH_TOKEN": aws.ToString(res.resp.AuthenticationResult.RefreshToken)}
		if hash != "" {
			params["SECRET_HASH"] = hash
		}
		_, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &clientID, AuthParameters: params,
		})
		return err
	}
	if err := refresh(srp.SecretHash("alice", clientID, secret)); err != nil {
		t.Errorf("refresh with SECRET_HASH: %v", err)
	}
	wantIDPError[*types.NotAuthorizedException](t, refresh(""), "")

	// RevokeToken wants the client secret.
	_, err = f.client.RevokeToken(ctx, &cip.RevokeTokenInput{Token: res.resp.AuthenticationResult.RefreshToken, ClientId: &clientID})
	wantIDPError[*types.UnauthorizedException](t, err, "")
	_, err = f.client.RevokeToken(ctx, &cip.RevokeTokenInput{Token: res.resp.AuthenticationResult.RefreshToken, ClientId: &clientID, ClientSecret: &secret})
	if err != nil {
		t.Fatal(err)
	}
	wantIDPError[*types.NotAuthorizedException](t, refresh(srp.SecretHash("alice", clientID, secret)), "Refresh Token has been revoked")
}

func TestEmailAsUsername(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, secret := f.seed(t, UserPoolConfig{UsernameAttributes: []string{"email"}}, ClientConfig{GenerateSecret: true})
	sub, err := f.s.CreateUser(poolID, "Alice@Example.com", goodPassword, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateUser(poolID, "alice@example.com", goodPassword, nil, false); err == nil {
		t.Error("a second user with the same email was created")
	}
	if _, err := f.s.CreateUser(poolID, "not-an-email", goodPassword, nil, false); err == nil {
		t.Error("a user without an email username was created")
	}
	res, err := f.srpSignIn(t, poolID, clientID, secret, "alice@example.com", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.init.ChallengeParameters["USER_ID_FOR_SRP"]; got != sub {
		t.Errorf("USER_ID_FOR_SRP = %q; want the sub %q", got, sub)
	}
	claims := verifyWithJWKS(t, f.s, poolID, aws.ToString(res.resp.AuthenticationResult.IdToken))
	if claims["cognito:username"] != sub || claims["email"] != "Alice@Example.com" {
		t.Errorf("claims = %v", claims)
	}
	out, err := f.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshToken, ClientId: &clientID,
		AuthParameters: map[string]string{
			"REFRESH_TOKEN": aws.ToString(res.resp.AuthenticationResult.RefreshToken),
			"SECRET_HASH":   srp.SecretHash(sub, clientID, secret),
		},
	})
	if err != nil {
		t.Fatalf("refresh with the sub's SECRET_HASH: %v", err)
	}
	if out.AuthenticationResult.RefreshToken != nil {
		t.Error("refresh returned a new refresh token")
	}
	got, err := f.client.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &poolID, Username: aws.String("alice@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Username) != sub || got.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("AdminGetUser = %q %q", aws.ToString(got.Username), got.UserStatus)
	}
}

func TestAliasSignIn(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{AliasAttributes: []string{"email"}}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "bob", goodPassword, map[string]string{"email": "bob@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateUser(poolID, "carol", goodPassword, map[string]string{"email": "carol@example.com", "email_verified": "false"}, false); err != nil {
		t.Fatal(err)
	}
	res, err := f.srpSignIn(t, poolID, clientID, "", "bob@example.com", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.init.ChallengeParameters["USER_ID_FOR_SRP"]; got != "bob" {
		t.Errorf("USER_ID_FOR_SRP = %q; want bob", got)
	}
	if _, err := f.srpSignIn(t, poolID, clientID, "", "BOB", goodPassword); err != nil {
		t.Errorf("case-insensitive username: %v", err)
	}
	// An unverified email is no alias.
	_, err = f.srpSignIn(t, poolID, clientID, "", "carol@example.com", goodPassword)
	wantIDPError[*types.UserNotFoundException](t, err, "")
}

func TestUserPasswordAuth(t *testing.T) {
	f := newIDPFixture(t)
	poolID, srpOnly, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	withPassword, _, err := f.s.CreateUserPoolClient(poolID, ClientConfig{ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	signIn := func(clientID, flow, password string) (*cip.InitiateAuthOutput, error) {
		return f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowType(flow), ClientId: &clientID,
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": password, "SRP_A": "0a"},
		})
	}
	out, err := signIn(withPassword, "USER_PASSWORD_AUTH", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("no tokens: %+v", out)
	}
	_, err = signIn(withPassword, "USER_PASSWORD_AUTH", "Wrong-password-1")
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	_, err = signIn(srpOnly, "USER_PASSWORD_AUTH", goodPassword)
	wantIDPError[*types.InvalidParameterException](t, err, "USER_PASSWORD_AUTH flow not enabled for this client")
	_, err = signIn(withPassword, "USER_SRP_AUTH", goodPassword)
	wantIDPError[*types.InvalidParameterException](t, err, "USER_SRP_AUTH flow not enabled for this client")
	_, err = signIn("nosuchclient", "USER_PASSWORD_AUTH", goodPassword)
	wantIDPError[*types.ResourceNotFoundException](t, err, "")
}

func TestNewPasswordRequired(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{MinimumPasswordLength: 12}, ClientConfig{
		ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	})
	const temp = "Temporary-pass-1"
	if _, err := f.s.CreateUser(poolID, "dave", temp, map[string]string{"email": "dave@example.com"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateUser(poolID, "erin", "Short-1", nil, true); err == nil {
		t.Error("a password shorter than the policy's minimum was accepted")
	}
	ctx := context.Background()
	res, err := f.srpSignIn(t, poolID, clientID, "", "dave", temp)
	if err != nil {
		t.Fatal(err)
	}
	if res.resp.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || res.resp.Session == nil {
		t.Fatalf("challenge = %q, session %v", res.resp.ChallengeName, res.resp.Session != nil)
	}
	var attrs map[string]string
	if err := json.Unmarshal([]byte(res.resp.ChallengeParameters["userAttributes"]), &attrs); err != nil {
		t.Fatalf("userAttributes: %v", err)
	}
	if attrs["email"] != "dave@example.com" || res.resp.ChallengeParameters["requiredAttributes"] != "[]" {
		t.Errorf("challenge parameters = %v", res.resp.ChallengeParameters)
	}
	answer := func(session *string, pw string) (*cip.RespondToAuthChallengeOutput, error) {
		return f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ClientId: &clientID, Session: session,
			ChallengeResponses: map[string]string{"USERNAME": "dave", "NEW_PASSWORD": pw},
		})
	}
	_, err = answer(res.resp.Session, "Short-1")
	wantIDPError[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password not long enough")
	_, err = answer(res.resp.Session, "nouppercase-123!")
	wantIDPError[*types.InvalidPasswordException](t, err, "Password did not conform with policy: Password must have uppercase characters")
	// A refused password leaves the session usable.
	out, err := answer(res.resp.Session, "Brand-new-pass-2")
	if err != nil {
		t.Fatal(err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("no tokens after NEW_PASSWORD_REQUIRED: %+v", out)
	}
	if _, err := answer(res.resp.Session, "Brand-new-pass-3"); err == nil {
		t.Error("the session was accepted twice")
	}
	if _, err := f.srpSignIn(t, poolID, clientID, "", "dave", "Brand-new-pass-2"); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}

	// Same challenge after USER_PASSWORD_AUTH.
	if _, err := f.s.CreateUser(poolID, "frank", temp, nil, true); err != nil {
		t.Fatal(err)
	}
	init, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &clientID,
		AuthParameters: map[string]string{"USERNAME": "frank", "PASSWORD": temp},
	})
	if err != nil {
		t.Fatal(err)
	}
	if init.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("challenge = %q", init.ChallengeName)
	}
	out, err = f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ClientId: &clientID, Session: init.Session,
		ChallengeResponses: map[string]string{"USERNAME": "frank", "NEW_PASSWORD": "Brand-new-pass-2", "userAttributes.name": "Frank"},
	})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("answer = %+v, %v", out, err)
	}
	claims := verifyWithJWKS(t, f.s, poolID, aws.ToString(out.AuthenticationResult.IdToken))
	if claims["name"] != "Frank" {
		t.Errorf("name = %v; want Frank", claims["name"])
	}
}

func TestSessionExpires(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "dave", "Temporary-pass-1", nil, true); err != nil {
		t.Fatal(err)
	}
	res, err := f.srpSignIn(t, poolID, clientID, "", "dave", "Temporary-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3*time.Minute + time.Second)
	_, err = f.client.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ClientId: &clientID, Session: res.resp.Session,
		ChallengeResponses: map[string]string{"USERNAME": "dave", "NEW_PASSWORD": "Brand-new-pass-2"},
	})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user, session is expired.")

	// The temporary password itself expires after 7 days.
	f.clock.Advance(7 * 24 * time.Hour)
	_, err = f.srpSignIn(t, poolID, clientID, "", "dave", "Temporary-pass-1")
	wantIDPError[*types.NotAuthorizedException](t, err, "Temporary password has expired and must be reset by an administrator.")
}

func TestRefreshAndRevoke(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	otherClient, _, err := f.s.CreateUserPoolClient(poolID, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	res, err := f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	first := res.resp.AuthenticationResult
	ctx := context.Background()
	refresh := func(clientID string) (*cip.InitiateAuthOutput, error) {
		return f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &clientID,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.RefreshToken)},
		})
	}
	f.clock.Advance(2 * time.Hour) // past the first ID token's expiry
	out, err := refresh(clientID)
	if err != nil {
		t.Fatal(err)
	}
	second := out.AuthenticationResult
	if second.RefreshToken != nil || aws.ToString(second.IdToken) == "" || aws.ToString(second.AccessToken) == "" {
		t.Errorf("refresh result = %+v", second)
	}
	if _, _, _, err := f.s.verifyIDToken(aws.ToString(second.IdToken)); err != nil {
		t.Errorf("refreshed ID token: %v", err)
	}
	c1 := verifyWithJWKS(t, f.s, poolID, aws.ToString(first.IdToken))
	c2 := verifyWithJWKS(t, f.s, poolID, aws.ToString(second.IdToken))
	if c1["origin_jti"] != c2["origin_jti"] || c1["auth_time"] != c2["auth_time"] || c1["jti"] == c2["jti"] {
		t.Errorf("refreshed claims: origin %v/%v auth_time %v/%v", c1["origin_jti"], c2["origin_jti"], c1["auth_time"], c2["auth_time"])
	}
	_, err = refresh(otherClient)
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Refresh Token")

	if _, err := f.client.RevokeToken(ctx, &cip.RevokeTokenInput{Token: first.RefreshToken, ClientId: &clientID}); err != nil {
		t.Fatal(err)
	}
	_, err = refresh(clientID)
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")
	if _, _, _, err := f.s.verifyIDToken(aws.ToString(second.IdToken)); err == nil {
		t.Error("verifyIDToken accepted an ID token whose refresh token was revoked")
	}
	_, err = f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: second.AccessToken})
	wantIDPError[*types.NotAuthorizedException](t, err, "Access Token has been revoked")

	// GlobalSignOut revokes every session of the user.
	a, err := f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.srpSignIn(t, poolID, otherClient, "", "alice", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: a.resp.AuthenticationResult.AccessToken}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &otherClient,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(b.resp.AuthenticationResult.RefreshToken)},
	})
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has been revoked")

	// Refresh tokens expire (30 days by default).
	c, err := f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * 24 * time.Hour)
	_, err = f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &clientID,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(c.resp.AuthenticationResult.RefreshToken)},
	})
	wantIDPError[*types.NotAuthorizedException](t, err, "Refresh Token has expired")
}

func TestMalformedInput(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, a := range []string{"zz", "0", srp.N.Text(16), "", strings.Repeat("f", 5000)} {
		_, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &clientID,
			AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": a},
		})
		wantIDPError[*types.InvalidParameterException](t, err, "")
	}
	_, err := f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ClientId: &clientID,
		ChallengeResponses: map[string]string{"USERNAME": "alice"},
	})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	_, err = f.client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ClientId: &clientID, Session: aws.String("bogus"),
		ChallengeResponses: map[string]string{"USERNAME": "alice", "NEW_PASSWORD": goodPassword},
	})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid session for the user.")
	_, err = f.client.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String("a.b.c")})
	wantIDPError[*types.NotAuthorizedException](t, err, "Invalid Access Token")

	post := func(target, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Type string `json:"__type"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Type
	}
	for _, c := range []struct{ target, body, want string }{
		{"InitiateAuth", "{not json", "SerializationException"},
		{"InitiateAuth", `{"AuthFlow": 7}`, "SerializationException"},
		{"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"` + clientID + `"}`, "InvalidParameterException"},
		{"InitiateAuth", `{"AuthFlow":"NOPE","ClientId":"` + clientID + `"}`, "InvalidParameterException"},
		{"RespondToAuthChallenge", `{}`, "InvalidParameterException"},
		{"RevokeToken", `{"ClientId":"` + clientID + `","Token":"x.y.z"}`, "UnsupportedTokenTypeException"},
		{"NoSuchOperation", `{}`, "UnknownOperationException"},
	} {
		status, typ := post(c.target, c.body)
		if status != http.StatusBadRequest || typ != c.want {
			t.Errorf("%s %s = %d %q; want 400 %q", c.target, c.body, status, typ, c.want)
		}
	}
}

func TestWireSetup(t *testing.T) {
	f := newIDPFixture(t)
	ctx := context.Background()
	pool, err := f.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:           aws.String("wire"),
		UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(10), RequireNumbers: true,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	if !strings.HasPrefix(poolID, "eu-west-1_") || len(poolID) != len("eu-west-1_")+9 {
		t.Errorf("pool id = %q", poolID)
	}
	if !strings.HasSuffix(aws.ToString(pool.UserPool.Arn), ":userpool/"+poolID) || pool.UserPool.CreationDate == nil {
		t.Errorf("pool = %+v", pool.UserPool)
	}
	cl, err := f.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &poolID, ClientName: aws.String("app"), GenerateSecret: true,
		IdTokenValidity: aws.Int32(30), TokenValidityUnits: &types.TokenValidityUnitsType{IdToken: types.TimeUnitsTypeMinutes},
	})
	if err != nil {
		t.Fatal(err)
	}
	uc := cl.UserPoolClient
	if len(aws.ToString(uc.ClientSecret)) != 51 || uc.IdTokenValidity == nil || *uc.IdTokenValidity != 30 ||
		uc.TokenValidityUnits.IdToken != types.TimeUnitsTypeMinutes || len(uc.ExplicitAuthFlows) != 3 {
		t.Errorf("client = %+v", uc)
	}
	_, err = f.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &poolID, Username: aws.String("gina@example.com"), TemporaryPassword: aws.String("lowercase12"),
	})
	if err != nil {
		t.Fatalf("policy without upper case or symbols: %v", err)
	}
	_, err = f.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &poolID, Username: aws.String("hal@example.com"), TemporaryPassword: aws.String("short1"),
	})
	wantIDPError[*types.InvalidPasswordException](t, err, "")
	_, err = f.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &poolID, Username: aws.String("gina@example.com"), TemporaryPassword: aws.String("lowercase12"),
	})
	wantIDPError[*types.UsernameExistsException](t, err, "")
	got, err := f.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &poolID, Username: aws.String("gina@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got.UserStatus != types.UserStatusTypeForceChangePassword || !got.Enabled {
		t.Errorf("AdminGetUser = %+v", got)
	}
	_, err = f.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("eu-west-1_nope"), Username: aws.String("x")})
	wantIDPError[*types.ResourceNotFoundException](t, err, "")

	// The openid-configuration names the JWKS.
	rec := httptest.NewRecorder()
	if !f.s.serveWellKnown(rec, httptest.NewRequest(http.MethodGet, "/"+poolID+"/.well-known/openid-configuration", nil)) {
		t.Fatal("openid-configuration not handled")
	}
	var oc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &oc); err != nil || oc["issuer"] != "https://cognito-idp.eu-west-1.amazonaws.com/"+poolID {
		t.Errorf("openid-configuration = %s", rec.Body)
	}
	rec = httptest.NewRecorder()
	if !f.s.serveWellKnown(rec, httptest.NewRequest(http.MethodGet, "/eu-west-1_nope/.well-known/jwks.json", nil)) || rec.Code != http.StatusNotFound {
		t.Errorf("unknown pool JWKS: code %d", rec.Code)
	}
	if f.s.serveWellKnown(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/bucket/key", nil)) {
		t.Error("serveWellKnown handled an S3 path")
	}
}

func TestConcurrentSignIns(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{}, ClientConfig{})
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.srpSignIn(t, poolID, clientID, "", "alice", goodPassword)
			if err == nil {
				_, _, _, err = f.s.verifyIDToken(aws.ToString(res.resp.AuthenticationResult.IdToken))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := f.s.Count("InitiateAuth"); got != 8 {
		t.Errorf("Count(InitiateAuth) = %d; want 8", got)
	}
}

func TestListUserPoolsAWSCLIShape(t *testing.T) {
	s := NewServer(Options{})
	id, err := s.CreateUserPool(UserPoolConfig{Name: "listed"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"MaxResults":10}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
	s.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"Id":"`+id+`"`) {
		t.Errorf("ListUserPools = %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
	s.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Errorf("ListUserPools without MaxResults = %d; want 400", rec.Code)
	}
}
