package cognitologin_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
	"github.com/loginwithcognito/cognitologin/userpool"
)

func setup(t *testing.T) (*cognitotest.Server, *cognitotest.Demo, cognitologin.Env, *aws.Config, *cognitotest.Clock) {
	t.Helper()
	clk := &cognitotest.Clock{}
	emu := cognitotest.NewServer(cognitotest.Options{Now: clk.Now})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	d, err := emu.SeedDemo(cognitotest.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := cognitologin.Env{Name: "t", Region: d.Region, UserPoolID: d.UserPoolID, ClientID: d.ClientID, IdentityPoolID: d.IdentityPoolID, Bucket: d.Bucket}
	cfg := &aws.Config{Region: d.Region, BaseEndpoint: aws.String(url)}
	return emu, d, env, cfg, clk
}

func TestGetTemporaryCredentials(t *testing.T) {
	emu, d, env, cfg, clk := setup(t)
	c, err := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now })
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.GetTemporaryCredentials(context.Background(), d.Username, d.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !creds.CanExpire || creds.Expires.Sub(clk.Now()) < 59*time.Minute || creds.AccessKeyID == "" {
		t.Errorf("credentials = %v (expires %s)", creds.AccessKeyID, creds.Expires)
	}
	if emu.TotalRequests() != 4 {
		t.Errorf("requests = %s; want 4", cognitotest.FormatCounts(emu.Counts()))
	}
	_, err = c.GetTemporaryCredentials(context.Background(), d.Username, "Wrong-Password-1")
	if !errors.Is(err, userpool.ErrIncorrectCredentials) {
		t.Errorf("wrong password: %v", err)
	}
}

// TestProviderManyGoroutinesOneRefresh: 1,000 goroutines using one
// aws.Config cause a single refresh when the credentials are due.
func TestProviderManyGoroutinesOneRefresh(t *testing.T) {
	emu, d, env, cfg, clk := setup(t)
	store := sessionstore.NewMemStore()
	c, err := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now; o.Store = store })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Login(ctx, d.Username, d.Password); err != nil {
		t.Fatal(err)
	}
	clk.Advance(57 * time.Minute)
	emu.ResetCounts()
	p := c.CredentialsProvider()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Retrieve(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := emu.Counts(); got["GetTokensFromRefreshToken"] != 1 || got["GetCredentialsForIdentity"] != 1 || emu.TotalRequests() != 2 {
		t.Errorf("requests = %s; want one refresh (GetTokensFromRefreshToken=1 GetCredentialsForIdentity=1)", cognitotest.FormatCounts(got))
	}
}

func TestAWSConfigListsBucket(t *testing.T) {
	_, d, env, cfg, clk := setup(t)
	c, _ := cognitologin.New(env, func(o *cognitologin.Options) {
		o.AWSConfig = cfg
		o.Now = clk.Now
		o.Store = sessionstore.NewMemStore()
	})
	ctx := context.Background()
	if _, err := c.AWSConfig(ctx); err != nil {
		t.Fatal(err)
	}
	awsCfg, _ := c.AWSConfig(ctx)
	if _, err := s3.NewFromConfig(awsCfg).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(d.Bucket)}); !errors.Is(err, cognitologin.ErrLoginRequired) {
		t.Errorf("before login: %v; want ErrLoginRequired", err)
	}
	if _, err := c.Login(ctx, d.Username, d.Password); err != nil {
		t.Fatal(err)
	}
	out, err := s3.NewFromConfig(awsCfg).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(d.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != len(d.Objects) {
		t.Errorf("listed %d objects; want %d", len(out.Contents), len(d.Objects))
	}
}

func TestChangedConfigNeedsLogin(t *testing.T) {
	_, d, env, cfg, clk := setup(t)
	store := sessionstore.NewMemStore()
	c, _ := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now; o.Store = store })
	if _, err := c.Login(context.Background(), d.Username, d.Password); err != nil {
		t.Fatal(err)
	}
	env.ClientID = "someotherclient"
	c2, _ := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now; o.Store = store })
	if _, _, err := c2.Credentials(context.Background()); !errors.Is(err, cognitologin.ErrLoginRequired) {
		t.Errorf("session from another app client used: %v", err)
	}
}

func TestCorruptSessionIsNoSession(t *testing.T) {
	_, _, env, cfg, _ := setup(t)
	store := sessionstore.NewMemStore()
	for _, data := range []string{"{", `{"version":99,"refresh_token":"r"}`, `{"version":1}`, ""} {
		store.Save(env.Name, []byte(data))
		c, _ := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Store = store })
		_, _, err := c.Credentials(context.Background())
		if !errors.Is(err, cognitologin.ErrLoginRequired) || !errors.Is(err, cognitologin.ErrCorruptSession) {
			t.Errorf("session %q: %v; want login required because corrupt", data, err)
		}
	}
}

// TestDefaultStoreConcurrentUse: many goroutines on a Client with the
// default file store (opened lazily) race on nothing.
func TestDefaultStoreConcurrentUse(t *testing.T) {
	_, d, env, cfg, clk := setup(t)
	t.Setenv(cognitologin.EnvCacheDir, t.TempDir())
	c, _ := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now })
	ctx := context.Background()
	if _, err := c.Login(ctx, d.Username, d.Password); err != nil {
		t.Fatal(err)
	}
	c2, _ := cognitologin.New(env, func(o *cognitologin.Options) { o.AWSConfig = cfg; o.Now = clk.Now })
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c2.Credentials(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
