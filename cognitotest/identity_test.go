package cognitotest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cidtypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	cidptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	testAuthRole  = "arn:aws:iam::123456789012:role/CognitoAuth"
	testLongRole  = "arn:aws:iam::123456789012:role/LongSessions"
	testShortRole = "arn:aws:iam::123456789012:role/service/ShortSessions"
)

const testPassword = "Correct-Horse-7"

// testUserPool is a user pool of the emulator with an app client that
// allows USER_PASSWORD_AUTH, so tests get real ID tokens.
type testUserPool struct {
	poolID, clientID string
}

func newTestUserPool(t *testing.T, s *Server, name string) testUserPool {
	t.Helper()
	poolID, err := s.CreateUserPool(UserPoolConfig{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	clientID, _, err := s.CreateUserPoolClient(poolID, ClientConfig{
		Name: name, ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return testUserPool{poolID: poolID, clientID: clientID}
}

// idToken signs username in (creating the user on first use) with the real
// cognito-idp SDK client and returns the ID token.
func (p testUserPool) idToken(t *testing.T, s *Server, username string) string {
	t.Helper()
	if _, err := s.CreateUser(p.poolID, username, testPassword, nil, false); err != nil && !strings.Contains(err.Error(), "UsernameExistsException") {
		t.Fatal(err)
	}
	if s.URL() == "" {
		t.Fatal("idToken needs a started server")
	}
	idp := cognitoidentityprovider.NewFromConfig(aws.Config{
		Region: s.Region(), Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1,
	})
	out, err := idp.InitiateAuth(context.Background(), &cognitoidentityprovider.InitiateAuthInput{
		AuthFlow: cidptypes.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(p.clientID),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": testPassword},
	})
	if err != nil {
		t.Fatalf("InitiateAuth(%s): %v", username, err)
	}
	if out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.IdToken) == "" {
		t.Fatalf("InitiateAuth(%s): no tokens (challenge %q)", username, out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.IdToken)
}

// testEnv is a running emulator with a user pool, an identity pool that
// trusts it, and roles.
type testEnv struct {
	s      *Server
	url    string
	clock  *Clock
	up     testUserPool
	poolID string // identity pool
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	clock := &Clock{}
	s := NewServer(Options{Region: "eu-west-1", Now: clock.Now})
	url, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	e := &testEnv{s: s, url: url, clock: clock}
	e.up = newTestUserPool(t, s, "main")
	if err := s.CreateRole(testLongRole, 12*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRole(testShortRole, 0); err != nil {
		t.Fatal(err)
	}
	e.poolID, err = s.CreateIdentityPool(IdentityPoolConfig{
		Name: "main identities", UserPoolID: e.up.poolID, ClientID: e.up.clientID,
		AuthenticatedRoleARN: testAuthRole,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sdkConfig is a config with dummy long-term credentials (the emulator does
// not check signatures on cognito-identity calls) and no retries, so error
// tests see the first answer.
func (e *testEnv) sdkConfig(creds aws.CredentialsProvider) aws.Config {
	if creds == nil {
		creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-checked", "")
	}
	return aws.Config{
		Region:           e.s.Region(),
		Credentials:      creds,
		RetryMaxAttempts: 1,
		BaseEndpoint:     aws.String(e.url),
		// What config.LoadDefaultConfig sets: checksums whenever an
		// operation supports them (CRC32 headers, or trailers over TLS).
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	}
}

func (e *testEnv) identityClient() *cognitoidentity.Client {
	return cognitoidentity.NewFromConfig(e.sdkConfig(nil))
}

func (e *testEnv) stsClient(creds aws.CredentialsProvider) *sts.Client {
	if creds == nil {
		creds = aws.AnonymousCredentials{}
	}
	return sts.NewFromConfig(e.sdkConfig(creds))
}

func (e *testEnv) s3Client(creds aws.Credentials) *s3.Client {
	return s3.NewFromConfig(e.sdkConfig(credentials.StaticCredentialsProvider{Value: creds}))
}

func (e *testEnv) login(t *testing.T, username string) map[string]string {
	t.Helper()
	return map[string]string{e.s.userPoolProviderName(e.up.poolID): e.up.idToken(t, e.s, username)}
}

// enhancedCredentials runs GetId → GetCredentialsForIdentity for username.
func (e *testEnv) enhancedCredentials(t *testing.T, username string) (string, aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	ci := e.identityClient()
	logins := e.login(t, username)
	id, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID), Logins: logins})
	if err != nil {
		t.Fatalf("GetId: %v", err)
	}
	out, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity: %v", err)
	}
	if aws.ToString(out.IdentityId) != aws.ToString(id.IdentityId) {
		t.Fatalf("IdentityId %q, want %q", aws.ToString(out.IdentityId), aws.ToString(id.IdentityId))
	}
	c := out.Credentials
	return aws.ToString(id.IdentityId), aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration),
	}
}

// wantAPIError checks that err is an AWS error with the given code and, if
// msg is not empty, a message containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got error %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got message %q, want it to contain %q", ae.ErrorMessage(), msg)
	}
}

func within(t *testing.T, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	if d := got.Sub(want); d > tol || d < -tol {
		t.Fatalf("%s = %v, want %v ± %v", what, got, want, tol)
	}
}

func TestEnhancedFlowCredentials(t *testing.T) {
	e := newTestEnv(t)
	before := e.s.Credentials()
	id, c := e.enhancedCredentials(t, "alice")
	if !strings.HasPrefix(id, "eu-west-1:") || len(id) != len("eu-west-1:")+36 {
		t.Errorf("identity id %q is not <region>:<uuid>", id)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Errorf("credentials look wrong: %q", c.AccessKeyID)
	}
	within(t, "Expiration", c.Expires, e.clock.Now().Add(time.Hour), 5*time.Second)
	if got := e.s.Credentials(); got != before+1 {
		t.Errorf("Credentials() = %d, want %d", got, before+1)
	}

	// The credentials are those of the pool's authenticated role.
	out, err := e.stsClient(credentials.StaticCredentialsProvider{Value: c}).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:sts::123456789012:assumed-role/CognitoAuth/CognitoIdentityCredentials"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if aws.ToString(out.Account) != "123456789012" || !strings.HasPrefix(aws.ToString(out.UserId), "AROA") {
		t.Errorf("Account %q UserId %q", aws.ToString(out.Account), aws.ToString(out.UserId))
	}
	if e.s.Count("GetId") != 1 || e.s.Count("GetCredentialsForIdentity") != 1 || e.s.Count("GetCallerIdentity") != 1 {
		t.Errorf("counts: %s", FormatCounts(e.s.Counts()))
	}
}

func TestSameUserSameIdentity(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ci := e.identityClient()
	getID := func(user string) string {
		out, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID), Logins: e.login(t, user)})
		if err != nil {
			t.Fatalf("GetId(%s): %v", user, err)
		}
		return aws.ToString(out.IdentityId)
	}
	a1, a2, b := getID("alice"), getID("alice"), getID("bob")
	if a1 != a2 {
		t.Errorf("same user got identities %q and %q", a1, a2)
	}
	if a1 == b {
		t.Errorf("different users share identity %q", a1)
	}

	// A token for bob cannot get alice's credentials, and alice's identity
	// needs a login.
	_, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(a1), Logins: e.login(t, "bob")})
	wantAPIError(t, err, "NotAuthorizedException", "Logins don't match")
	_, err = ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String(a1)})
	wantAPIError(t, err, "NotAuthorizedException", "is forbidden")
	_, err = ci.GetOpenIdToken(ctx, &cognitoidentity.GetOpenIdTokenInput{IdentityId: aws.String(a1), Logins: e.login(t, "bob")})
	wantAPIError(t, err, "NotAuthorizedException", "Logins don't match")
	_, err = ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: aws.String("eu-west-1:00000000-0000-4000-8000-000000000000"), Logins: e.login(t, "alice")})
	wantAPIError(t, err, "ResourceNotFoundException", "not found")
}

func TestGetIdRefusesUntrustedTokens(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ci := e.identityClient()
	other := newTestUserPool(t, e.s, "other")

	cases := []struct {
		name   string
		logins map[string]string
		msg    string
	}{
		{"untrusted pool", map[string]string{e.s.userPoolProviderName(other.poolID): other.idToken(t, e.s, "mallory")}, "not from a supported provider"},
		{"provider key of the trusted pool, token of another", map[string]string{e.s.userPoolProviderName(e.up.poolID): other.idToken(t, e.s, "mallory")}, "Invalid login token"},
		{"garbage token", map[string]string{e.s.userPoolProviderName(e.up.poolID): "not.a.token"}, "Invalid login token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID), Logins: tc.logins})
			wantAPIError(t, err, "NotAuthorizedException", tc.msg)
		})
	}

	// An identity pool trusting a different app client of the same user
	// pool refuses tokens issued to our client.
	wrongClient, err := e.s.CreateIdentityPool(IdentityPoolConfig{Name: "other client", UserPoolID: e.up.poolID, ClientID: "someotherclientid", AuthenticatedRoleARN: testAuthRole})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(wrongClient), Logins: e.login(t, "alice")})
	wantAPIError(t, err, "NotAuthorizedException", "Invalid login token")

	_, err = ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID)})
	wantAPIError(t, err, "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")

	// ID tokens last an hour.
	stale := e.login(t, "alice")
	e.clock.Advance(61 * time.Minute)
	_, err = ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID), Logins: stale})
	wantAPIError(t, err, "NotAuthorizedException", "Invalid login token. Token expired.")
	_, err = ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String("eu-west-1:11111111-2222-4333-8444-555555555555"), Logins: e.login(t, "alice")})
	wantAPIError(t, err, "ResourceNotFoundException", "IdentityPool 'eu-west-1:11111111-2222-4333-8444-555555555555' not found.")
}

func TestIdentityPoolAPIAndRoles(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ci := e.identityClient()
	created, err := ci.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName:               aws.String("wire pool"),
		AllowUnauthenticatedIdentities: true,
		CognitoIdentityProviders: []cidtypes.CognitoIdentityProvider{{
			ProviderName: aws.String(e.s.userPoolProviderName(e.up.poolID)), ClientId: aws.String(e.up.clientID),
		}},
	})
	if err != nil {
		t.Fatalf("CreateIdentityPool: %v", err)
	}
	pid := aws.ToString(created.IdentityPoolId)
	if !strings.HasPrefix(pid, "eu-west-1:") || aws.ToString(created.IdentityPoolName) != "wire pool" || len(created.CognitoIdentityProviders) != 1 {
		t.Fatalf("CreateIdentityPool output: %+v", created)
	}

	// No roles yet: the pool is misconfigured.
	logins := e.login(t, "carol")
	id, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(pid), Logins: logins})
	if err != nil {
		t.Fatalf("GetId: %v", err)
	}
	_, err = ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
	wantAPIError(t, err, "InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration")

	unauthRole := "arn:aws:iam::123456789012:role/Guest"
	if _, err := ci.SetIdentityPoolRoles(ctx, &cognitoidentity.SetIdentityPoolRolesInput{
		IdentityPoolId: aws.String(pid), Roles: map[string]string{"authenticated": testAuthRole, "unauthenticated": unauthRole},
	}); err != nil {
		t.Fatalf("SetIdentityPoolRoles: %v", err)
	}
	roles, err := ci.GetIdentityPoolRoles(ctx, &cognitoidentity.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(pid)})
	if err != nil {
		t.Fatalf("GetIdentityPoolRoles: %v", err)
	}
	if roles.Roles["authenticated"] != testAuthRole || roles.Roles["unauthenticated"] != unauthRole {
		t.Errorf("roles = %v", roles.Roles)
	}
	_, err = ci.SetIdentityPoolRoles(ctx, &cognitoidentity.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(pid), Roles: map[string]string{"authenticated": "MyRole"}})
	wantAPIError(t, err, "NotAuthorizedException", "Access to Role 'MyRole' is forbidden.")

	// CustomRoleArn: a registered role is honoured, an unknown one refused.
	out, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins, CustomRoleArn: aws.String(testLongRole)})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity with CustomRoleArn: %v", err)
	}
	if c, ok := e.s.lookupCredentials(aws.ToString(out.Credentials.AccessKeyId)); !ok || c.RoleARN != testLongRole {
		t.Errorf("custom role not used: %+v", c.RoleARN)
	}
	_, err = ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins, CustomRoleArn: aws.String("arn:aws:iam::123456789012:role/Nope")})
	wantAPIError(t, err, "NotAuthorizedException", "is forbidden")

	// Unauthenticated identities get the unauthenticated role.
	guest, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(pid)})
	if err != nil {
		t.Fatalf("unauthenticated GetId: %v", err)
	}
	gc, err := ci.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId})
	if err != nil {
		t.Fatalf("unauthenticated GetCredentialsForIdentity: %v", err)
	}
	if c, _ := e.s.lookupCredentials(aws.ToString(gc.Credentials.AccessKeyId)); c.RoleARN != unauthRole {
		t.Errorf("unauthenticated role = %q", c.RoleARN)
	}
}

func TestBasicFlow(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ci := e.identityClient()
	logins := e.login(t, "dave")
	id, err := ci.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(e.poolID), Logins: logins})
	if err != nil {
		t.Fatalf("GetId: %v", err)
	}
	oid, err := ci.GetOpenIdToken(ctx, &cognitoidentity.GetOpenIdTokenInput{IdentityId: id.IdentityId, Logins: logins})
	if err != nil {
		t.Fatalf("GetOpenIdToken: %v", err)
	}
	claims, err := e.s.verifyOpenIDToken(aws.ToString(oid.Token))
	if err != nil {
		t.Fatalf("own token does not verify: %v", err)
	}
	if claims.Aud != e.poolID || claims.Sub != aws.ToString(id.IdentityId) || len(claims.Amr) < 2 || claims.Amr[0] != "authenticated" || claims.Amr[1] != e.s.userPoolProviderName(e.up.poolID) {
		t.Errorf("claims = %+v", claims)
	}

	st := e.stsClient(nil)
	assume := func(role string, seconds int32) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return st.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(role), RoleSessionName: aws.String("dave-session"),
			WebIdentityToken: oid.Token, DurationSeconds: aws.Int32(seconds),
		})
	}
	out, err := assume(testLongRole, 7200)
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	within(t, "Expiration", aws.ToTime(out.Credentials.Expiration), e.clock.Now().Add(2*time.Hour), 5*time.Second)
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/LongSessions/dave-session"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != aws.ToString(id.IdentityId) || aws.ToString(out.Audience) != e.poolID || aws.ToString(out.Provider) != "cognito-identity.amazonaws.com" {
		t.Errorf("output = %+v", out)
	}
	if !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":dave-session") {
		t.Errorf("AssumedRoleId = %q", aws.ToString(out.AssumedRoleUser.AssumedRoleId))
	}

	// The credentials work for GetCallerIdentity and S3.
	creds := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
	who, err := e.stsClient(credentials.StaticCredentialsProvider{Value: creds}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(who.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity = %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	if err := e.s.CreateBucket("basic-bucket"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3Client(creds).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("basic-bucket")}); err != nil {
		t.Fatalf("ListObjectsV2 with basic-flow credentials: %v", err)
	}

	// Default duration is one hour.
	def, err := st.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(testShortRole), RoleSessionName: aws.String("s1"), WebIdentityToken: oid.Token})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity default duration: %v", err)
	}
	within(t, "default Expiration", aws.ToTime(def.Credentials.Expiration), e.clock.Now().Add(time.Hour), 5*time.Second)
	if got := aws.ToString(def.AssumedRoleUser.Arn); got != "arn:aws:sts::123456789012:assumed-role/ShortSessions/s1" {
		t.Errorf("role with a path: Arn = %q", got)
	}

	_, err = assume(testShortRole, 7200)
	wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = assume(testLongRole, 600)
	wantAPIError(t, err, "ValidationError", "greater than or equal to 900")
	_, err = assume("arn:aws:iam::123456789012:role/NeverCreated", 900)
	wantAPIError(t, err, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	_, err = st.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(testLongRole), RoleSessionName: aws.String("x1"), WebIdentityToken: aws.String(e.up.idToken(t, e.s, "dave"))})
	wantAPIError(t, err, "InvalidIdentityToken", "")

	// The OpenID token lasts ten minutes.
	e.clock.Advance(11 * time.Minute)
	_, err = assume(testLongRole, 900)
	wantAPIError(t, err, "ExpiredTokenException", "")
}

func TestGetCallerIdentityAuthErrors(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, c := e.enhancedCredentials(t, "erin")

	_, err := e.stsClient(nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "MissingAuthenticationToken", "")

	bad := c
	bad.SecretAccessKey = "wrong" + c.SecretAccessKey[5:]
	_, err = e.stsClient(credentials.StaticCredentialsProvider{Value: bad}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", "")

	unknown := c
	unknown.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"
	_, err = e.stsClient(credentials.StaticCredentialsProvider{Value: unknown}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "")

	e.clock.Advance(61 * time.Minute)
	_, err = e.stsClient(credentials.StaticCredentialsProvider{Value: c}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", "")
}

// TestMalformedInputNeverPanics feeds broken requests straight to the
// handler (no HTTP server to recover a panic) and wants an error status.
func TestMalformedInputNeverPanics(t *testing.T) {
	e := newTestEnv(t)
	jsonReq := func(target, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		return r
	}
	formReq := func(body string, authz string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		return r
	}
	s3Req := func(method, target, authz string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader("abc"))
		if authz != "" {
			r.Header.Set("Authorization", authz)
			r.Header.Set("X-Amz-Date", time.Now().UTC().Format(sigV4TimeFmt))
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		}
		return r
	}
	tok := e.up.idToken(t, e.s, "frank")
	cases := []struct {
		name string
		req  *http.Request
	}{
		{"truncated JSON", jsonReq("AWSCognitoIdentityService.GetId", `{"IdentityPoolId":`)},
		{"wrong types", jsonReq("AWSCognitoIdentityService.GetId", `{"IdentityPoolId":5,"Logins":[1]}`)},
		{"null logins value", jsonReq("AWSCognitoIdentityService.GetCredentialsForIdentity", `{"IdentityId":null,"Logins":{"x":null}}`)},
		{"empty body", jsonReq("AWSCognitoIdentityService.GetOpenIdToken", ``)},
		{"bad pool id", jsonReq("AWSCognitoIdentityService.GetId", `{"IdentityPoolId":"../../etc","Logins":{"a":"`+tok+`"}}`)},
		{"unknown op", jsonReq("AWSCognitoIdentityService.Nope", `{}`)},
		{"bad provider", jsonReq("AWSCognitoIdentityService.CreateIdentityPool", `{"IdentityPoolName":"x","CognitoIdentityProviders":[{"ProviderName":"evil"}]}`)},
		{"sts no action", formReq("Version=2011-06-15", "")},
		{"sts bad token", formReq("Action=AssumeRoleWithWebIdentity&RoleArn="+testLongRole+"&RoleSessionName=abc&WebIdentityToken=a.b.c", "")},
		{"sts bad duration", formReq("Action=AssumeRoleWithWebIdentity&RoleArn="+testLongRole+"&RoleSessionName=abc&WebIdentityToken=x&DurationSeconds=1e99", "")},
		{"sts garbage authorization", formReq("Action=GetCallerIdentity", "AWS4-HMAC-SHA256 Credential=/sts/aws4_request")},
		{"sts truncated authorization", formReq("Action=GetCallerIdentity", "AWS4-HMAC-SHA256 Credential=A/20240101/eu-west-1/sts/aws4_request, SignedHeaders=, Signature=")},
		{"s3 unsigned", s3Req(http.MethodGet, "/bucket/key", "")},
		{"s3 weird authorization", s3Req(http.MethodPut, "/bucket/key", "AWS4-HMAC-SHA256 ,,,,=")},
		{"s3 unknown key", s3Req(http.MethodPut, "/bucket/key", "AWS4-HMAC-SHA256 Credential=AKIA/20240101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00")},
		{"s3 odd path", s3Req(http.MethodGet, "/%2F%2F/..%00?list-type=2&max-keys=-1&continuation-token=%%%", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.s.ServeHTTP(rec, tc.req)
			if rec.Code < 400 {
				t.Errorf("status %d, want an error; body %s", rec.Code, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), tok) {
				t.Errorf("response echoes the login token")
			}
		})
	}
}

func TestCreateRoleValidation(t *testing.T) {
	s := NewServer(Options{})
	if err := s.CreateRole("not-an-arn", 0); err == nil {
		t.Error("CreateRole accepted a bad ARN")
	}
	if err := s.CreateRole(testLongRole, 13*time.Hour); err == nil {
		t.Error("CreateRole accepted 13h")
	}
	if _, err := s.CreateIdentityPool(IdentityPoolConfig{Name: "bad/name"}); err == nil {
		t.Error("CreateIdentityPool accepted a bad name")
	}
	if _, err := s.CreateIdentityPool(IdentityPoolConfig{Name: "x", AuthenticatedRoleARN: "nope"}); err == nil {
		t.Error("CreateIdentityPool accepted a bad role")
	}
}
