package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// TestS3ListAgainstEmulator runs the sample as a user would, with the
// emulator reached through AWS_ENDPOINT_URL.
func TestS3ListAgainstEmulator(t *testing.T) {
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
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(d.ConfigTOML("demo")), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	var out, errOut bytes.Buffer
	if err := run([]string{"-config", cfg, "-user", d.Username}, strings.NewReader(d.Password+"\n"), &out, &errOut); err != nil {
		t.Fatalf("s3list: %v\n%s", err, errOut.String())
	}
	for _, k := range d.Objects {
		if !strings.Contains(out.String(), " "+k+"\n") {
			t.Errorf("listing lacks %s:\n%s", k, out.String())
		}
	}
	if err := run([]string{"-config", cfg, "-user", d.Username}, strings.NewReader("Wrong-Password-9\n"), &out, &errOut); err == nil ||
		!strings.Contains(err.Error(), "incorrect username or password") {
		t.Errorf("wrong password: %v", err)
	}
}
