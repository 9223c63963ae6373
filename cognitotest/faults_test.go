package cognitotest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// rawJSON posts an awsJson1_1 request for target ("AWSCognitoIdentityProviderService.ListUserPools").
func rawJSON(t *testing.T, base, target, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return doRaw(req)
}

func doRaw(req *http.Request) (*http.Response, []byte, error) {
	// A client of its own per request: faults close connections.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func startFaultServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer(Options{Region: "eu-west-1"})
	u, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, u
}

const listPools = "AWSCognitoIdentityProviderService.ListUserPools"

func statuses(t *testing.T, base string, n int) []int {
	t.Helper()
	var got []int
	for i := 0; i < n; i++ {
		res, _, err := rawJSON(t, base, listPools, `{"MaxResults":10}`)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		got = append(got, res.StatusCode)
	}
	return got
}

func TestFaultCallNumbersAndTimes(t *testing.T) {
	s, base := startFaultServer(t)
	cases := []struct {
		name string
		f    Fault
		want []int
	}{
		{"second call once", Fault{Op: "ListUserPools", Call: 2, Kind: FaultServerError}, []int{200, 500, 200, 200}},
		{"calls 2 and 3", Fault{Op: "ListUserPools", Call: 2, Times: 2, Kind: FaultServerError}, []int{200, 500, 500, 200}},
		{"from call 2 on", Fault{Op: "ListUserPools", Call: 2, Times: -1, Kind: FaultServerError}, []int{200, 500, 500, 500}},
		{"every call", Fault{Op: "ListUserPools", Kind: FaultThrottle}, []int{400, 400, 400, 400}},
		{"every operation", Fault{Op: "*", Call: 1, Kind: FaultThrottle}, []int{400, 200, 200, 200}},
		{"another operation", Fault{Op: "InitiateAuth", Kind: FaultServerError}, []int{200, 200, 200, 200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.ClearFaults()
			s.ResetCounts()
			s.InjectFault(tc.f)
			got := statuses(t, base, len(tc.want))
			if !slices.Equal(got, tc.want) {
				t.Errorf("statuses = %v; want %v", got, tc.want)
			}
			if n := s.Count("ListUserPools"); n != len(tc.want) {
				t.Errorf("Count = %d; want every request counted (%d)", n, len(tc.want))
			}
		})
	}
	// The call number counts from when the fault was added.
	s.ClearFaults()
	s.InjectFault(Fault{Op: "ListUserPools", Call: 1, Kind: FaultServerError})
	if got := statuses(t, base, 2); got[0] != 500 || got[1] != 200 {
		t.Errorf("a fault added after earlier calls: statuses %v; want [500 200]", got)
	}
	// The first matching fault applies; both count the call.
	s.ClearFaults()
	s.InjectFault(Fault{Op: "ListUserPools", Call: 1, Kind: FaultThrottle})
	s.InjectFault(Fault{Op: "ListUserPools", Call: 1, Times: 2, Kind: FaultServerError})
	if got := statuses(t, base, 3); got[0] != 400 || got[1] != 500 || got[2] != 200 {
		t.Errorf("two faults: statuses %v; want [400 500 200]", got)
	}
	s.ClearFaults()
	if got := statuses(t, base, 1); got[0] != 200 {
		t.Errorf("after ClearFaults: %v", got)
	}
}

func TestFaultErrorShapes(t *testing.T) {
	s, base := startFaultServer(t)
	if err := s.CreateBucket("fault-bucket"); err != nil {
		t.Fatal(err)
	}
	type shape struct {
		status int
		code   string
	}
	cognito := func() (*http.Response, []byte, error) {
		return rawJSON(t, base, "AWSCognitoIdentityService.GetId", `{}`)
	}
	sts := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return doRaw(req)
	}
	s3 := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodGet, base+"/fault-bucket?list-type=2", nil)
		return doRaw(req)
	}
	cases := []struct {
		name string
		op   string
		call func() (*http.Response, []byte, error)
		kind FaultKind
		want shape
	}{
		{"cognito server error", "GetId", cognito, FaultServerError, shape{500, "InternalErrorException"}},
		{"cognito throttle", "GetId", cognito, FaultThrottle, shape{400, "TooManyRequestsException"}},
		{"sts server error", "GetCallerIdentity", sts, FaultServerError, shape{500, "<Code>InternalFailure</Code>"}},
		{"sts throttle", "GetCallerIdentity", sts, FaultThrottle, shape{400, "<Code>Throttling</Code>"}},
		{"s3 server error", "ListObjectsV2", s3, FaultServerError, shape{500, "<Code>InternalError</Code>"}},
		{"s3 throttle", "ListObjectsV2", s3, FaultThrottle, shape{503, "<Code>SlowDown</Code>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.ClearFaults()
			s.InjectFault(Fault{Op: tc.op, Kind: tc.kind})
			res, body, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.want.status || !strings.Contains(string(body)+res.Header.Get("x-amzn-ErrorType"), tc.want.code) {
				t.Errorf("status %d, body %s; want %d and %s", res.StatusCode, body, tc.want.status, tc.want.code)
			}
		})
	}
}

func TestFaultSlowResetTruncatedMalformed(t *testing.T) {
	s, base := startFaultServer(t)
	const create = "AWSCognitoIdentityProviderService.CreateUserPool"
	poolCount := func() int {
		res, body, err := rawJSON(t, base, listPools, `{"MaxResults":60}`)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("ListUserPools: %v %v", err, res)
		}
		return strings.Count(string(body), `"Id"`)
	}

	s.InjectFault(Fault{Op: "ListUserPools", Kind: FaultSlow, Delay: 200 * time.Millisecond})
	start := time.Now()
	if n := poolCount(); n != 0 {
		t.Errorf("pools = %d", n)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("slow answer took %s; want at least 200ms", d)
	}
	s.ClearFaults()

	// Reset: no answer, and the operation did not run.
	s.InjectFault(Fault{Op: "CreateUserPool", Kind: FaultReset})
	if res, _, err := rawJSON(t, base, create, `{"PoolName":"reset"}`); err == nil {
		t.Fatalf("reset: got an answer, status %d", res.StatusCode)
	}
	s.ClearFaults()
	if n := poolCount(); n != 0 {
		t.Errorf("after a reset CreateUserPool: %d pools; want 0 (the operation must not run)", n)
	}

	// Truncated: headers and half the body, then EOF; the operation ran.
	s.InjectFault(Fault{Op: "CreateUserPool", Kind: FaultTruncated})
	_, body, err := rawJSON(t, base, create, `{"PoolName":"truncated"}`)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: err = %v (body %q); want unexpected EOF", err, body)
	}
	s.ClearFaults()
	if n := poolCount(); n != 1 {
		t.Errorf("after a truncated CreateUserPool: %d pools; want 1 (the operation ran)", n)
	}

	// Malformed: 200, not JSON; the operation ran.
	s.InjectFault(Fault{Op: "CreateUserPool", Kind: FaultMalformed})
	res, body, err := rawJSON(t, base, create, `{"PoolName":"malformed"}`)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("malformed: %v %v", err, res)
	}
	if strings.HasPrefix(strings.TrimSpace(string(body)), "{") || strings.HasPrefix(strings.TrimSpace(string(body)), "<?xml") {
		t.Errorf("malformed body looks valid: %q", body)
	}
	s.ClearFaults()
	if n := poolCount(); n != 2 {
		t.Errorf("after a malformed CreateUserPool: %d pools; want 2 (the operation ran)", n)
	}
	if got, want := s.Count("CreateUserPool"), 3; got != want {
		t.Errorf("CreateUserPool count = %d; want %d (faulted requests count)", got, want)
	}
}

// TestTruncatedPasswordVerifierConsumesChallenge: the nasty case the
// client must handle: the service verified the password and consumed the
// SRP challenge, the answer was lost, and answering again is refused.
func TestTruncatedPasswordVerifierConsumesChallenge(t *testing.T) {
	f := newIDPFixture(t)
	poolID, clientID, _ := f.seed(t, UserPoolConfig{Name: "p"}, ClientConfig{Name: "c"})
	if _, err := f.s.CreateUser(poolID, "alice", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	poolName, _ := srp.PoolName(poolID)
	sc, err := srp.NewClient(poolName, nil)
	if err != nil {
		t.Fatal(err)
	}
	init, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": sc.A()}})
	if err != nil {
		t.Fatal(err)
	}
	cp := init.ChallengeParameters
	ch, err := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Respond(ch, cp["USER_ID_FOR_SRP"], goodPassword, f.s.now())
	if err != nil {
		t.Fatal(err)
	}
	in := &cip.RespondToAuthChallengeInput{ChallengeName: types.ChallengeNameTypePasswordVerifier, ClientId: aws.String(clientID), Session: init.Session,
		ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": r.Signature, "TIMESTAMP": r.Timestamp}}
	f.s.InjectFault(Fault{Op: "RespondToAuthChallenge", Call: 1, Kind: FaultTruncated})
	if _, err := f.client.RespondToAuthChallenge(ctx, in); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated answer: err = %v; want unexpected EOF", err)
	}
	_, err = f.client.RespondToAuthChallenge(ctx, in)
	wantIDPError[*types.NotAuthorizedException](t, err, msgInvalidSession)
}
