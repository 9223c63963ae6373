package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cidtypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const motoRegion = "us-east-1"

// startMoto runs `moto_server -H 127.0.0.1 -p PORT`, waits until it answers,
// and stops it when the test ends. It returns the base URL.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if underCI() {
			t.Fatalf("moto_server is required under CI=true (pip install 'moto[server]'): %v", err)
		}
		t.Skip("moto_server is not on PATH (pip install 'moto[server]'); skipping the moto ring")
	}
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	sb := newSandbox(t, url) // only for a clean environment
	cmd.Env = sb.Environ()
	cmd.Dir = sb.Home
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel() // kills moto_server (its pid, after pyenv's shims exec into python)
		<-exited
		if t.Failed() {
			t.Logf("moto_server output:\n%s", logs.String())
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(subprocessTimeout)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("moto_server exited before answering: %v\n%s", err, logs.String())
		default:
		}
		resp, err := client.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within %s: %v\n%s", url, subprocessTimeout, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// motoSeed is what seedMoto created.
type motoSeed struct {
	UserPoolID, ClientID, IdentityPoolID, Bucket, Username, Password string
	Objects                                                          []string
}

// seedMoto creates, with the aws-sdk-go-v2 clients and moto's fake admin
// credentials, a user pool, an app client, a confirmed user, an identity
// pool trusting the pool, and a bucket with objects.
func seedMoto(t *testing.T, url string) motoSeed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), subprocessTimeout)
	defer cancel()
	cfg := aws.Config{
		Region:       motoRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(url),
	}
	s := motoSeed{Bucket: "moto-e2e-bucket", Username: "bob", Password: "Moto-Pass-123!",
		Objects: []string{"hello.txt", "reports/2026/q1.csv"}}

	idp := cip.NewFromConfig(cfg)
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("e2e-pool")})
	if err != nil {
		t.Fatalf("moto CreateUserPool: %v", err)
	}
	s.UserPoolID = aws.ToString(pool.UserPool.Id)
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: pool.UserPool.Id, ClientName: aws.String("e2e-client"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{
			ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		t.Fatalf("moto CreateUserPoolClient: %v", err)
	}
	s.ClientID = aws.ToString(client.UserPoolClient.ClientId)
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: pool.UserPool.Id, Username: aws.String(s.Username),
		TemporaryPassword: aws.String("Temp-Pass-123!"), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("bob@example.com")}},
	}); err != nil {
		t.Fatalf("moto AdminCreateUser: %v", err)
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: pool.UserPool.Id, Username: aws.String(s.Username),
		Password: aws.String(s.Password), Permanent: true,
	}); err != nil {
		t.Fatalf("moto AdminSetUserPassword: %v", err)
	}

	ident := cognitoidentity.NewFromConfig(cfg)
	ip, err := ident.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("e2e_identities"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []cidtypes.CognitoIdentityProvider{{
			ProviderName: aws.String(fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", motoRegion, s.UserPoolID)),
			ClientId:     aws.String(s.ClientID),
		}},
	})
	if err != nil {
		t.Fatalf("moto CreateIdentityPool: %v", err)
	}
	s.IdentityPoolID = aws.ToString(ip.IdentityPoolId)

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		t.Fatalf("moto CreateBucket: %v", err)
	}
	for _, k := range s.Objects {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k),
			Body: strings.NewReader("content of " + k + "\n")}); err != nil {
			t.Fatalf("moto PutObject %s: %v", k, err)
		}
	}
	return s
}

// The config validation's id forms (config.go), checked here so that a
// change in moto's id format is reported as such rather than as a
// confusing exit 2.
var (
	wantUserPoolID     = regexp.MustCompile(`^` + motoRegion + `_[0-9A-Za-z]+$`)
	wantIdentityPoolID = regexp.MustCompile(`^` + motoRegion + `:[0-9a-f-]+$`)
	wantClientID       = regexp.MustCompile(`^[\w+]{1,128}$`)
)

func TestMotoEndToEnd(t *testing.T) {
	t.Parallel()
	url := startMoto(t)
	seed := seedMoto(t, url)
	t.Logf("moto ids: user pool %s, client %s, identity pool %s", seed.UserPoolID, seed.ClientID, seed.IdentityPoolID)
	for _, c := range []struct {
		key, id string
		re      *regexp.Regexp
	}{
		{"user_pool_id", seed.UserPoolID, wantUserPoolID},
		{"client_id", seed.ClientID, wantClientID},
		{"identity_pool_id", seed.IdentityPoolID, wantIdentityPoolID},
	} {
		if !c.re.MatchString(c.id) {
			t.Fatalf("moto's %s %q does not pass cognito-login's config validation %s: report it (moto changed its id format, or the validation is too strict)", c.key, c.id, c.re)
		}
	}

	sb := newSandbox(t, url)
	env := func(name, flow string) string {
		return fmt.Sprintf(`
[env.%s]
region           = %q
user_pool_id     = %q
client_id        = %q
identity_pool_id = %q
auth_flow        = %q
bucket           = %q
`, name, motoRegion, seed.UserPoolID, seed.ClientID, seed.IdentityPoolID, flow, seed.Bucket)
	}
	sb.WriteConfig(`default_env = "moto"` + "\n" + env("moto", "password") + env("moto-srp", "srp"))

	// Before login: credentials says to log in (exit 3), without prompting.
	if r := sb.cli("", "credentials"); r.Code != 3 || !strings.Contains(r.Stderr, "login") {
		t.Errorf("credentials before login: want exit 3 and a hint naming login: %s", r)
	}

	// moto's SRP is fake (SECRET_BLOCK is a bare UUID, not base64, and the
	// verifier is not checked): SRP sign-in must fail cleanly and point at
	// auth_flow.
	t.Run("srp-fails-cleanly", func(t *testing.T) {
		r := sb.cli(seed.Password+"\n", "-e", "moto-srp", "login", "-u", seed.Username, "--password-stdin")
		if r.Code != 1 {
			t.Errorf("SRP login against moto: want exit 1: %s", r)
		}
		if !strings.Contains(r.Stderr, "auth_flow") {
			t.Errorf("SRP login against moto: the message should mention auth_flow: %s", r)
		}
		assertNoPanic(t, r)
		t.Logf("SRP against moto: exit %d: %s", r.Code, strings.TrimSpace(r.Stderr))
	})

	login := sb.mustCLI(seed.Password+"\n", "login", "-u", seed.Username, "--password-stdin")
	if login.Stdout != "" {
		t.Errorf("login wrote to stdout (reserved for scripts): %q", login.Stdout)
	}
	t.Logf("login (USER_PASSWORD_AUTH against moto) took %s", login.Duration.Round(time.Millisecond))

	first := decodeCredentialProcess(t, sb.mustCLI("", "credentials"))
	exp, err := time.Parse(time.RFC3339, first.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q is not RFC 3339: %v", first.Expiration, err)
	}
	t.Logf("moto's credentials expire in %s", time.Until(exp).Round(time.Second))

	// moto's credentials last about 90 s: a second call right away must
	// still reuse the cached ones (the renewal window shrinks for short
	// lifetimes) rather than fetch new ones.
	second := decodeCredentialProcess(t, sb.mustCLI("", "credentials"))
	if second.AccessKeyId != first.AccessKeyId {
		t.Errorf("second credentials call got a new access key (%s, first %s): the cached credentials were not reused", second.AccessKeyId, first.AccessKeyId)
	}

	ls := sb.mustCLI("", "ls", seed.Bucket)
	for _, k := range seed.Objects {
		if !hasLsKey(ls.Stdout, k) {
			t.Errorf("ls %s: no line for %q:\n%s", seed.Bucket, k, ls.Stdout)
		}
	}
	// "date time size key" lines.
	lineRe := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +\d+ \S`)
	for _, line := range strings.Split(strings.TrimSpace(ls.Stdout), "\n") {
		if !lineRe.MatchString(line) {
			t.Errorf("ls line %q is not \"date time size key\"", line)
		}
	}
}

// decodeCredentialProcess parses and checks credential_process JSON v1.
func decodeCredentialProcess(t *testing.T, r result) credentialProcessOutput {
	t.Helper()
	var c credentialProcessOutput
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("credentials output is not credential_process JSON: %v\n%s", err, r)
	}
	if c.Version != 1 || c.AccessKeyId == "" || c.SecretAccessKey == "" || c.SessionToken == "" || c.Expiration == "" {
		t.Fatalf("credential_process JSON incomplete (want Version 1 and all fields): %+v", c)
	}
	return c
}

// hasLsKey reports whether ls output has a line ending in " key".
func hasLsKey(out, key string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimRight(line, "\r"), " "+key) {
			return true
		}
	}
	return false
}
