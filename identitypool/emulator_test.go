package identitypool_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/identitypool"
	"github.com/loginwithcognito/cognitologin/userpool"
)

type fixture struct {
	emu    *cognitotest.Server
	demo   *cognitotest.Demo
	cfg    aws.Config
	logins map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu := cognitotest.NewServer(cognitotest.Options{})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	d, err := emu.SeedDemo(cognitotest.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: d.Region, BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}}
	up, err := userpool.New(cip.NewFromConfig(cfg), d.UserPoolID, d.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := up.SignIn(context.Background(), d.Username, d.Password)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{emu: emu, demo: d, cfg: cfg, logins: map[string]string{identitypool.LoginsKey(d.UserPoolID): tok.IDToken}}
}

// TestProviderInCredentialsCache: the provider learns the identity id once
// and, wrapped in aws.NewCredentialsCache, serves many goroutines with one
// GetCredentialsForIdentity.
func TestProviderInCredentialsCache(t *testing.T) {
	f := newFixture(t)
	c, err := identitypool.New(ci.NewFromConfig(f.cfg), f.demo.IdentityPoolID)
	if err != nil {
		t.Fatal(err)
	}
	var loginsCalls int
	var mu sync.Mutex
	p := identitypool.NewProvider(c, func(context.Context) (map[string]string, error) {
		mu.Lock()
		loginsCalls++
		mu.Unlock()
		return f.logins, nil
	}, "")
	cache := aws.NewCredentialsCache(p)
	f.emu.ResetCounts()
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, err := cache.Retrieve(context.Background())
			if err != nil || cr.Source != identitypool.ProviderName || !cr.CanExpire {
				t.Errorf("Retrieve = %+v, %v", cr.Source, err)
			}
		}()
	}
	wg.Wait()
	if got := cognitotest.FormatCounts(f.emu.Counts()); got != "GetCredentialsForIdentity=1 GetId=1" {
		t.Errorf("requests = %s; want one GetId and one GetCredentialsForIdentity", got)
	}
	if p.IdentityID() == "" || loginsCalls != 1 {
		t.Errorf("identity id %q, logins called %d times", p.IdentityID(), loginsCalls)
	}
	// Forced renewal reuses the identity id: no second GetId.
	cache.Invalidate()
	f.emu.ResetCounts()
	if _, err := cache.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := cognitotest.FormatCounts(f.emu.Counts()); got != "GetCredentialsForIdentity=1" {
		t.Errorf("renewal requests = %s; want GetCredentialsForIdentity=1", got)
	}
}

func TestEnhancedCustomRole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := "arn:aws:iam::123456789012:role/NotAllowed"
	for _, tc := range []struct {
		role    string
		wantErr string
	}{
		{f.demo.RoleARN, ""},
		{other, "forbidden"},
	} {
		c, _ := identitypool.New(ci.NewFromConfig(f.cfg), f.demo.IdentityPoolID, func(o *identitypool.Options) { o.RoleARN = tc.role })
		res, err := c.GetCredentials(ctx, f.logins, "")
		if tc.wantErr != "" {
			var e *identitypool.Error
			if !errors.As(err, &e) || e.Op != "GetCredentialsForIdentity" || !strings.Contains(err.Error(), tc.wantErr) || e.Hint == "" {
				t.Errorf("role %s: err = %v; want %q from GetCredentialsForIdentity with a hint", tc.role, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("role %s: %v", tc.role, err)
		}
		who, err := sts.NewFromConfig(f.cfg, func(o *sts.Options) { o.Credentials = aws.NewCredentialsCache(staticProvider(res.Credentials)) }).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(aws.ToString(who.Arn), "assumed-role/CognitoDemoAuthenticated/") {
			t.Errorf("caller = %s; want the custom role's session", aws.ToString(who.Arn))
		}
	}
}

func TestBasicFlowDurations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		d       time.Duration
		wantErr string
	}{
		{15 * time.Minute, ""},
		{12 * time.Hour, ""},
	} {
		c, err := identitypool.New(ci.NewFromConfig(f.cfg), f.demo.IdentityPoolID, func(o *identitypool.Options) {
			o.Flow, o.RoleARN, o.Duration, o.STS = identitypool.FlowBasic, f.demo.RoleARN, tc.d, sts.NewFromConfig(f.cfg)
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.GetCredentials(ctx, f.logins, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.d, err)
		}
		if got := time.Until(res.Credentials.Expires); got < tc.d-time.Minute || got > tc.d+time.Minute {
			t.Errorf("duration %s gave credentials for %s", tc.d, got)
		}
	}
	if _, err := identitypool.New(nil, f.demo.IdentityPoolID, func(o *identitypool.Options) {
		o.Flow, o.RoleARN, o.Duration, o.STS = identitypool.FlowBasic, f.demo.RoleARN, 13*time.Hour, sts.NewFromConfig(f.cfg)
	}); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("13h accepted: %v", err)
	}
}

type staticProvider aws.Credentials

func (s staticProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}
