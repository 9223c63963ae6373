package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// TestWatchBucketAgainstEmulator: with no session it asks for a login
// (ErrLoginRequired: exit 3); after one, it lists the bucket on every tick
// with the cached credentials, and stops when interrupted.
func TestWatchBucketAgainstEmulator(t *testing.T) {
	emu := cognitotest.NewServer(cognitotest.Options{})
	url, err := emu.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	d, err := emu.SeedDemo(cognitotest.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(d.ConfigTOML("demo")), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv(cognitologin.EnvCacheDir, filepath.Join(dir, "cache"))
	ctx := context.Background()
	args := []string{"-config", cfgPath, "-every", "20ms"}

	var out, errOut bytes.Buffer
	if err := run(ctx, append(args, "-count", "1"), &out, &errOut); !errors.Is(err, cognitologin.ErrLoginRequired) {
		t.Fatalf("with no session: %v; want ErrLoginRequired", err)
	}

	// What `cognito-login login` does, through the library.
	cfg, _ := cognitologin.LoadConfig(cfgPath)
	env, _ := cfg.Select("")
	c, err := cognitologin.New(*env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, d.Username, d.Password); err != nil {
		t.Fatal(err)
	}

	emu.ResetCounts()
	if err := run(ctx, append(args, "-count", "3"), &out, &errOut); err != nil {
		t.Fatalf("watchbucket: %v\n%s", err, errOut.String())
	}
	if n := strings.Count(out.String(), "s3://"+d.Bucket+": "+strconv.Itoa(len(d.Objects))+" objects"); n != 3 {
		t.Errorf("%d listings; want 3:\n%s", n, out.String())
	}
	if got := emu.Counts(); got["ListObjectsV2"] != 3 || got["GetCredentialsForIdentity"] != 0 || got["InitiateAuth"] != 0 {
		t.Errorf("requests %s; want 3 listings on the stored credentials", cognitotest.FormatCounts(got))
	}

	// Interrupted between listings: a clean stop.
	ictx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(ictx, append(args, "-every", "1h"), &out, &errOut) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("interrupted: %v; want a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop when interrupted")
	}
}
