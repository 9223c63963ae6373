package cognitotest

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// newFixtureWith is newIDPFixture with extra Options (Logf, CustomAuth).
func newFixtureWith(t *testing.T, opts Options) *idpFixture {
	t.Helper()
	clock := newIDPClock()
	opts.Region = "eu-west-1"
	opts.Now = clock.Now
	s := NewServer(opts)
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

// flow drives sign-ins against one app client.
type flow struct {
	t                        *testing.T
	f                        *idpFixture
	poolID, clientID, secret string
}

func newFlow(t *testing.T, f *idpFixture, pool UserPoolConfig, client ClientConfig) *flow {
	t.Helper()
	poolID, clientID, secret := f.seed(t, pool, client)
	return &flow{t: t, f: f, poolID: poolID, clientID: clientID, secret: secret}
}

var allFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH", "ALLOW_CUSTOM_AUTH"}

func (a *flow) user(name, password string, attrs map[string]string) {
	a.t.Helper()
	if _, err := a.f.s.CreateUser(a.poolID, name, password, attrs, false); err != nil {
		a.t.Fatal(err)
	}
}

func (a *flow) withHash(username string, m map[string]string) map[string]string {
	if a.secret != "" {
		m["SECRET_HASH"] = srp.SecretHash(username, a.clientID, a.secret)
	}
	return m
}

func (a *flow) initiate(authFlow types.AuthFlowType, params map[string]string) (*cip.InitiateAuthOutput, error) {
	return a.f.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: authFlow, ClientId: &a.clientID, AuthParameters: a.withHash(params["USERNAME"], params),
	})
}

// password runs USER_PASSWORD_AUTH; extra adds AuthParameters (DEVICE_KEY).
func (a *flow) password(username, password string, extra map[string]string) (*cip.InitiateAuthOutput, error) {
	params := map[string]string{"USERNAME": username, "PASSWORD": password}
	for k, v := range extra {
		params[k] = v
	}
	return a.initiate(types.AuthFlowTypeUserPasswordAuth, params)
}

func (a *flow) respond(name types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	return a.f.client.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ChallengeName: name, ClientId: &a.clientID, Session: session,
		ChallengeResponses: a.withHash(resp["USERNAME"], resp),
	})
}

// answerPasswordVerifier answers a PASSWORD_VERIFIER challenge with the SRP
// client sc.
func (a *flow) answerPasswordVerifier(sc *srp.Client, cp map[string]string, session *string, password, deviceKey string) (*cip.RespondToAuthChallengeOutput, error) {
	a.t.Helper()
	ch, err := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	if err != nil {
		a.t.Fatalf("ParseChallenge: %v", err)
	}
	userID := cp["USER_ID_FOR_SRP"]
	r, err := sc.Respond(ch, userID, password, a.f.s.now())
	if err != nil {
		a.t.Fatal(err)
	}
	resp := map[string]string{
		"USERNAME":                    userID,
		"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE":    r.Signature,
		"TIMESTAMP":                   r.Timestamp,
	}
	if deviceKey != "" {
		resp["DEVICE_KEY"] = deviceKey
	}
	return a.respond(types.ChallengeNameTypePasswordVerifier, session, resp)
}

func (a *flow) srpClient() *srp.Client {
	a.t.Helper()
	poolName, err := srp.PoolName(a.poolID)
	if err != nil {
		a.t.Fatal(err)
	}
	sc, err := srp.NewClient(poolName, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return sc
}

// srp runs USER_SRP_AUTH up to the answer of PASSWORD_VERIFIER and returns
// what came next. deviceKey, when set, goes in both requests.
func (a *flow) srp(username, password, deviceKey string) (*cip.RespondToAuthChallengeOutput, error) {
	a.t.Helper()
	sc := a.srpClient()
	params := map[string]string{"USERNAME": username, "SRP_A": sc.A()}
	if deviceKey != "" {
		params["DEVICE_KEY"] = deviceKey
	}
	init, err := a.initiate(types.AuthFlowTypeUserSrpAuth, params)
	if err != nil {
		return nil, err
	}
	if init.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		a.t.Fatalf("ChallengeName = %q; want PASSWORD_VERIFIER", init.ChallengeName)
	}
	return a.answerPasswordVerifier(sc, init.ChallengeParameters, init.Session, password, deviceKey)
}

// code answers a code challenge (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP,
// SMS_OTP).
func (a *flow) code(name types.ChallengeNameType, session *string, username, code string) (*cip.RespondToAuthChallengeOutput, error) {
	return a.respond(name, session, map[string]string{"USERNAME": username, codeResponseKey[string(name)]: code})
}

func (a *flow) lastCode(username string) string {
	a.t.Helper()
	c, ok := a.f.s.LastCode(a.poolID, username)
	if !ok {
		a.t.Fatalf("no code was sent to %s", username)
	}
	return c
}

func (a *flow) totp(secret string, d int) string {
	a.t.Helper()
	c, err := TOTP(secret, a.f.s.now().Add(time.Duration(d)*30*time.Second))
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// wantChallenge fails unless out asks challenge name.
func wantChallenge(t *testing.T, got types.ChallengeNameType, session *string, want types.ChallengeNameType) {
	t.Helper()
	if got != want {
		t.Fatalf("ChallengeName = %q; want %q", got, want)
	}
	if want != "" && aws.ToString(session) == "" {
		t.Fatalf("challenge %s without a Session", want)
	}
}

func wantTokens(t *testing.T, res *types.AuthenticationResultType) {
	t.Helper()
	if res == nil || aws.ToString(res.AccessToken) == "" || aws.ToString(res.IdToken) == "" {
		t.Fatalf("no tokens: %+v", res)
	}
}

// accessClaims decodes an access token's claims without checking it.
func accessClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func testTOTPSecret(seed string) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte((seed + "01234567890123456789")[:20]))
}

// logRecorder collects Options.Logf lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *logRecorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
