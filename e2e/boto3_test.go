package e2e

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

func TestBoto3AgainstEmulator(t *testing.T) {
	t.Parallel()
	python := needTool(t, "python3", "runs boto3 against the emulator")
	emu, url, d := startEmulator(t, cognitotest.DemoOptions{})
	sb := newSandbox(t, url)
	if r := sb.run("", python, "-c", "import boto3"); r.Code != 0 {
		skipOrFail(t, "boto3 is not importable by python3 (pip install boto3): "+strings.TrimSpace(r.Stderr))
	}
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_client.py"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"E2E_ENDPOINT": url, "E2E_REGION": d.Region, "E2E_USER_POOL_ID": d.UserPoolID,
		"E2E_CLIENT_ID": d.ClientID, "E2E_IDENTITY_POOL_ID": d.IdentityPoolID, "E2E_BUCKET": d.Bucket,
		"E2E_USERNAME": d.Username, "E2E_PASSWORD": d.Password,
	} {
		sb.Set(k, v)
	}
	sb.Unset("AWS_ENDPOINT_URL") // the script passes endpoint_url itself
	emu.ResetCounts()
	r := sb.mustRun("", python, script)
	var got struct {
		WrongPasswordCode   string   `json:"wrong_password_code"`
		TokenType           string   `json:"token_type"`
		HasRefreshToken     bool     `json:"has_refresh_token"`
		Username            string   `json:"username"`
		IdentityID          string   `json:"identity_id"`
		AccessKeyID         string   `json:"access_key_id"`
		Expiration          string   `json:"expiration"`
		Keys                []string `json:"keys"`
		FirstObjectBytes    int      `json:"first_object_bytes"`
		CallerARN           string   `json:"caller_arn"`
		ForgedSignatureCode string   `json:"forged_signature_code"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("boto3_client.py output is not JSON: %v\n%s", err, r)
	}
	t.Logf("boto3 run took %s: %+v", r.Duration.Round(time.Millisecond), got)
	if got.WrongPasswordCode != "NotAuthorizedException" {
		t.Errorf("wrong password: boto3 saw %q, want NotAuthorizedException", got.WrongPasswordCode)
	}
	if got.TokenType != "Bearer" || !got.HasRefreshToken || got.Username != d.Username {
		t.Errorf("sign-in result: token type %q, refresh token %v, GetUser username %q (want Bearer, true, %q)",
			got.TokenType, got.HasRefreshToken, got.Username, d.Username)
	}
	if !strings.HasPrefix(got.IdentityID, d.Region+":") || got.AccessKeyID == "" || got.Expiration == "" {
		t.Errorf("identity %q, access key %q, expiration %q", got.IdentityID, got.AccessKeyID, got.Expiration)
	}
	if !slices.Equal(got.Keys, d.Objects) {
		t.Errorf("list_objects_v2 keys %q, want %q", got.Keys, d.Objects)
	}
	if got.FirstObjectBytes == 0 {
		t.Errorf("get_object returned an empty body")
	}
	if !strings.Contains(got.CallerARN, ":assumed-role/") {
		t.Errorf("get_caller_identity ARN %q is not an assumed role", got.CallerARN)
	}
	if got.ForgedSignatureCode != "SignatureDoesNotMatch" {
		t.Errorf("S3 with a forged secret: boto3 saw %q, want SignatureDoesNotMatch", got.ForgedSignatureCode)
	}
	for op, want := range map[string]int{"InitiateAuth": 2, "GetUser": 1, "GetId": 1,
		"GetCredentialsForIdentity": 1, "ListObjectsV2": 2, "GetObject": 1, "GetCallerIdentity": 1} {
		if n := emu.Count(op); n != want {
			t.Errorf("emulator served %d %s, want %d (counts: %s)", n, op, want, cognitotest.FormatCounts(emu.Counts()))
		}
	}
}
