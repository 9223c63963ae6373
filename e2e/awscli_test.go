package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// needAWSCLI returns the AWS CLI's path. When it is absent the test skips
// (also under CI: it is an optional consumer); when it is present but
// broken the test fails under CI=true and skips otherwise.
func needAWSCLI(t *testing.T, sb *sandbox) string {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH; skipping")
	}
	if r := sb.run("", bin, "--version"); r.Code != 0 {
		skipOrFail(t, fmt.Sprintf("the AWS CLI on PATH is broken: %s", r))
	}
	return bin
}

// startEmulator serves a cognitotest emulator with the demo seeded and
// returns it and the demo; it stops with the test.
func startEmulator(t *testing.T, opts cognitotest.DemoOptions) (*cognitotest.Server, string, *cognitotest.Demo) {
	t.Helper()
	emu := cognitotest.NewServer(cognitotest.Options{})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	d, err := emu.SeedDemo(opts)
	if err != nil {
		t.Fatal(err)
	}
	return emu, url, d
}

// loggedInDemo starts an emulator, writes the demo config and logs in with
// the CLI.
func loggedInDemo(t *testing.T) (*cognitotest.Server, *sandbox, *cognitotest.Demo) {
	t.Helper()
	emu, url, d := startEmulator(t, cognitotest.DemoOptions{})
	sb := newSandbox(t, url)
	sb.WriteConfig(d.ConfigTOML("demo"))
	sb.mustCLI(d.Password+"\n", "login", "-u", d.Username, "--password-stdin")
	return emu, sb, d
}

// cognitoOps are the requests a sign-in, refresh or credential exchange
// makes.
var cognitoOps = []string{"InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken",
	"GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "AssumeRoleWithWebIdentity"}

func assertNoCognitoRequests(t *testing.T, emu *cognitotest.Server, what string) {
	t.Helper()
	for _, op := range cognitoOps {
		if n := emu.Count(op); n != 0 {
			t.Errorf("%s made %d %s request(s); want the cached session reused (counts: %s)",
				what, n, op, cognitotest.FormatCounts(emu.Counts()))
		}
	}
}

func TestAWSCLICredentialProcess(t *testing.T) {
	t.Parallel()
	testAWSCLICredentialProcess(t, func(sb *sandbox) string {
		return fmt.Sprintf("%s --config %s credentials", argQuote(cliBin), argQuote(sb.Config))
	})
}

// TestAWSCLICredentialsHelper: the same with cognito-login-credentials as
// the credential_process.
func TestAWSCLICredentialsHelper(t *testing.T) {
	t.Parallel()
	testAWSCLICredentialProcess(t, func(sb *sandbox) string {
		return fmt.Sprintf("%s --config %s", argQuote(credBin), argQuote(sb.Config))
	})
}

func testAWSCLICredentialProcess(t *testing.T, process func(*sandbox) string) {
	emu, sb, d := loggedInDemo(t)
	aws := needAWSCLI(t, sb)

	awsConfig := sb.Home + string(os.PathSeparator) + "aws-config"
	profile := fmt.Sprintf("[profile cognito]\ncredential_process = %s\nregion = us-east-1\n", process(sb))
	if err := os.WriteFile(awsConfig, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	sb.Set("AWS_CONFIG_FILE", awsConfig)
	emu.ResetCounts()

	ls := sb.mustRun("", aws, "s3", "ls", "s3://"+d.Bucket, "--recursive", "--profile", "cognito")
	for _, k := range d.Objects {
		if !hasLsKey(ls.Stdout, k) {
			t.Errorf("aws s3 ls: no line for %q:\n%s", k, ls)
		}
	}
	if n := emu.Count("ListObjectsV2"); n < 1 {
		t.Errorf("emulator served %d ListObjectsV2 requests, want >= 1 (counts: %s)", n, cognitotest.FormatCounts(emu.Counts()))
	}
	t.Logf("aws s3 ls via credential_process: %s", ls.Duration.Round(time.Millisecond))

	who := sb.mustRun("", aws, "sts", "get-caller-identity", "--profile", "cognito", "--output", "json")
	var id struct{ UserId, Account, Arn string }
	if err := json.Unmarshal([]byte(who.Stdout), &id); err != nil {
		t.Fatalf("get-caller-identity output is not JSON: %v\n%s", err, who)
	}
	if !regexp.MustCompile(`^arn:aws:sts::\d{12}:assumed-role/[^/]+/.+$`).MatchString(id.Arn) {
		t.Errorf("caller identity %q is not an assumed-role ARN", id.Arn)
	}
	t.Logf("caller identity: %s", id.Arn)
	if n := emu.Count("GetCallerIdentity"); n != 1 {
		t.Errorf("emulator served %d GetCallerIdentity requests, want 1", n)
	}
	// credential_process ran twice and reused the session login stored.
	assertNoCognitoRequests(t, emu, "credential_process")
}

func TestExecAWSCLI(t *testing.T) {
	t.Parallel()
	emu, sb, d := loggedInDemo(t)
	aws := needAWSCLI(t, sb)
	// A profile that exists nowhere: exec must clear it for the child, and
	// it must not break cognito-login itself.
	sb.Set("AWS_PROFILE", "nonexistent")
	emu.ResetCounts()
	r := sb.cli("", "exec", "--", aws, "s3", "ls", "s3://"+d.Bucket+"/", "--recursive")
	if r.Code != 0 {
		t.Fatalf("exec -- aws s3 ls with AWS_PROFILE=nonexistent: %s", r)
	}
	for _, k := range d.Objects {
		if !hasLsKey(r.Stdout, k) {
			t.Errorf("exec -- aws s3 ls: no line for %q:\n%s", k, r)
		}
	}
	if n := emu.Count("ListObjectsV2"); n < 1 {
		t.Errorf("emulator served %d ListObjectsV2 requests, want >= 1", n)
	}
	assertNoCognitoRequests(t, emu, "exec")

	// The child's exit code is exec's.
	if r := sb.cli("", "exec", "--", aws, "s3", "ls", "s3://no-such-bucket-e2e"); r.Code == 0 {
		t.Errorf("exec -- aws s3 ls on a missing bucket: want the CLI's non-zero code: %s", r)
	}
}

// argQuote quotes a path for credential_process (split like a POSIX shell)
// when it needs it.
func argQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\$") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
