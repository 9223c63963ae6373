package bench

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
)

// target is where the sign-in benchmarks sign in: by default an in-process
// emulator on 127.0.0.1 (the same process, so its side of SRP and its RS256
// token signing are part of the time), or, when BENCH_EMULATOR_URL and
// BENCH_CONFIG are set (bench/run sets them), an emulator running as
// another process, which is how the Node figures are taken too.
type target struct {
	emu      *cognitotest.Server // nil for an external emulator
	env      cognitologin.Env
	cfg      *aws.Config
	user, pw string
}

func newTarget(tb testing.TB) *target {
	tb.Helper()
	if url, path := os.Getenv("BENCH_EMULATOR_URL"), os.Getenv("BENCH_CONFIG"); url != "" && path != "" {
		conf, err := cognitologin.LoadConfig(path)
		if err != nil {
			tb.Fatal(err)
		}
		env, err := conf.Select("")
		if err != nil {
			tb.Fatal(err)
		}
		pw := os.Getenv("BENCH_PASSWORD")
		if pw == "" {
			pw = "Correct-Horse-7" // SeedDemo's default
		}
		return &target{env: *env, cfg: &aws.Config{Region: env.Region, BaseEndpoint: aws.String(url)}, user: env.Username, pw: pw}
	}
	emu := cognitotest.NewServer(cognitotest.Options{})
	url, err := emu.Start("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(emu.Close)
	d, err := emu.SeedDemo(cognitotest.DemoOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	env := cognitologin.Env{Name: "bench", Region: d.Region, UserPoolID: d.UserPoolID, ClientID: d.ClientID,
		IdentityPoolID: d.IdentityPoolID, Bucket: d.Bucket}
	return &target{emu: emu, env: env, cfg: &aws.Config{Region: d.Region, BaseEndpoint: aws.String(url)}, user: d.Username, pw: d.Password}
}

func (t *target) client(tb testing.TB, st sessionstore.Store) *cognitologin.Client {
	tb.Helper()
	c, err := cognitologin.New(t.env, func(o *cognitologin.Options) {
		cfg := t.cfg.Copy() // a fresh HTTP client per Client: new connections, as a new process makes
		o.AWSConfig = &cfg
		o.Store = st
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// requests is the emulator's request count, or -1 for an external one.
func (t *target) requests() int {
	if t.emu == nil {
		return -1
	}
	return t.emu.TotalRequests()
}

// BenchmarkColdSignInToCredentials is the library's cold path: a new Client
// (new SDK clients, new connections), SRP sign-in, GetId,
// GetCredentialsForIdentity. It reports requests/op (in-process emulator).
func BenchmarkColdSignInToCredentials(b *testing.B) {
	t := newTarget(b)
	ctx := context.Background()
	before := t.requests()
	n := 0
	for b.Loop() {
		c := t.client(b, sessionstore.NewMemStore())
		creds, err := c.GetTemporaryCredentials(ctx, t.user, t.pw)
		if err != nil {
			b.Fatal(err)
		}
		if creds.AccessKeyID == "" {
			b.Fatal("no credentials")
		}
		n++
	}
	if before >= 0 {
		b.ReportMetric(float64(t.requests()-before)/float64(n), "requests/op")
	}
}

// BenchmarkCachedCredentials is a cache hit: a new Client reads the stored
// session (a 0600 file, as the CLI keeps it) and returns its credentials.
// Any request to the emulator fails the benchmark.
func BenchmarkCachedCredentials(b *testing.B) {
	t := newTarget(b)
	ctx := context.Background()
	st, err := sessionstore.NewFileStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := t.client(b, st).Login(ctx, t.user, t.pw); err != nil {
		b.Fatal(err)
	}
	before := t.requests()
	b.ReportAllocs()
	for b.Loop() {
		creds, _, err := t.client(b, st).Credentials(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if creds.AccessKeyID == "" {
			b.Fatal("no credentials")
		}
	}
	if before >= 0 {
		got := t.requests() - before
		if got != 0 {
			b.Fatalf("a cache hit made %d requests; want 0", got)
		}
		b.ReportMetric(float64(got)/float64(b.N), "requests/op")
	}
}

// TestRequestCounts keeps the benchmarks honest and is fast (one sign-in):
// a cold sign-in to credentials is 4 requests, a cache hit 0.
func TestRequestCounts(t *testing.T) {
	if os.Getenv("BENCH_EMULATOR_URL") != "" {
		t.Skip("counts need the in-process emulator")
	}
	tg := newTarget(t)
	ctx := context.Background()
	st, err := sessionstore.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.client(t, st).Login(ctx, tg.user, tg.pw); err != nil {
		t.Fatal(err)
	}
	if got := tg.requests(); got != 4 {
		t.Errorf("cold sign-in to credentials: %s; want 4 requests", cognitotest.FormatCounts(tg.emu.Counts()))
	}
	tg.emu.ResetCounts()
	if _, _, err := tg.client(t, st).Credentials(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tg.requests(); got != 0 {
		t.Errorf("cached credentials: %s; want 0 requests", cognitotest.FormatCounts(tg.emu.Counts()))
	}
}
