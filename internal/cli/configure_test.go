package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// runConfigure runs cognito-login with a scripted prompter, as if on a
// terminal when prompts are given.
func runConfigure(t *testing.T, h *harness, prompts []string, args ...string) (result, *scriptedPrompter) {
	t.Helper()
	var out, errOut bytes.Buffer
	p := &scriptedPrompter{answers: prompts}
	a := &App{
		IO:        &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, InIsTerminal: prompts != nil},
		Prompter:  p,
		Getenv:    func(string) string { return "" },
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region),
		Store:     h.store,
		Now:       h.clock.Now,
	}
	code := a.Run(context.Background(), append([]string{"--config", h.config}, args...))
	return result{code, out.String(), errOut.String()}, p
}

// TestConfigureThenLogin: a config made by configure alone, with flags,
// is one login works with.
func TestConfigureThenLogin(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.config = filepath.Join(t.TempDir(), "new", "config.toml")
	d := h.demo
	r, _ := runConfigure(t, h, nil, "--env", "work", "configure",
		"--set", "user_pool_id="+d.UserPoolID, "--set", "client_id="+d.ClientID,
		"--set", "identity_pool_id="+d.IdentityPoolID, "--set", "bucket="+d.Bucket)
	if r.code != 0 || !strings.Contains(r.stderr, `Added env "work"`) || !strings.Contains(r.stderr, "--env work login") {
		t.Fatalf("configure: %+v", r)
	}
	data, err := os.ReadFile(h.config)
	if err != nil {
		t.Fatal(err)
	}
	want := `default_env = "work"

[env.work]
region           = "` + d.Region + `"
user_pool_id     = "` + d.UserPoolID + `"
client_id        = "` + d.ClientID + `"
identity_pool_id = "` + d.IdentityPoolID + `"
bucket           = "` + d.Bucket + `"
`
	if string(data) != want {
		t.Errorf("config file:\n%s\nwant\n%s", data, want)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(h.config); fi.Mode().Perm() != 0o600 {
			t.Errorf("config file mode %v; want 0600", fi.Mode())
		}
	}
	if r := h.run(d.Password+"\n", "login", "-u", d.Username, "--password-stdin"); r.code != 0 {
		t.Fatalf("login with the configured env: %+v", r)
	}
	if r := h.run("", "ls"); r.code != 0 || !strings.Contains(r.stdout, d.Objects[0]) {
		t.Errorf("ls with the configured bucket: %+v", r)
	}
}

// TestConfigureEditsInPlace: editing one key of one env leaves every other
// line as it was; a mistake changes nothing and names the key and the flag.
func TestConfigureEditsInPlace(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	orig := "# shared with the team\n" + h.demo.ConfigTOML("test") + "\n# staging\n[env.staging]\nregion = \"eu-west-1\" # Ireland\nuser_pool_id = \"eu-west-1_Stg123\"\nclient_id = \"stgclient\"\nidentity_pool_id = \"eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9\"\n"
	h.writeConfig(orig)

	r, _ := runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "username=bob", "--unset", "client_id")
	if r.code != 2 || !strings.Contains(r.stderr, "client_id: missing") || !strings.Contains(r.stderr, "--set client_id=VALUE") {
		t.Errorf("removing a required key: %+v", r)
	}
	r, _ = runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "region=us-east-1")
	if r.code != 2 || !strings.Contains(r.stderr, "is in region eu-west-1 but region is us-east-1") {
		t.Errorf("a region the pools are not in: %+v", r)
	}
	r, _ = runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "duration")
	if r.code != 2 || !strings.Contains(r.stderr, "want KEY=VALUE") {
		t.Errorf("--set without '=': %+v", r)
	}
	if data, _ := os.ReadFile(h.config); string(data) != orig {
		t.Fatalf("a refused edit changed the file:\n%s", data)
	}

	r, _ = runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "username=bob", "--set", "client_id=stgclient2", "--default")
	if r.code != 0 || !strings.Contains(r.stderr, `Updated env "staging"`) {
		t.Fatalf("configure: %+v", r)
	}
	want := strings.NewReplacer(`default_env = "test"`, `default_env = "staging"`,
		"client_id = \"stgclient\"\n", "client_id        = \"stgclient2\"\n",
		"identity_pool_id = \"eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9\"\n", "identity_pool_id = \"eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9\"\nusername         = \"bob\"\n").Replace(orig)
	if data, _ := os.ReadFile(h.config); string(data) != want {
		t.Errorf("edited file:\n%s\nwant\n%s", data, want)
	}
	r, _ = runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "username=bob")
	if r.code != 0 || !strings.Contains(r.stderr, "No change") {
		t.Errorf("the same value again: %+v", r)
	}

	// A misspelt key in the file: every edit names it, and --unset removes it.
	data, _ := os.ReadFile(h.config)
	h.writeConfig(strings.Replace(string(data), "[env.staging]\n", "[env.staging]\nbuckett = \"x\"\n", 1))
	if r, _ := runConfigure(t, h, nil, "--env", "staging", "configure", "--set", "bucket=bkt"); r.code != 2 || !strings.Contains(r.stderr, "buckett: unknown key") {
		t.Errorf("an edit with a misspelt key in the file: %+v", r)
	}
	if r, _ := runConfigure(t, h, nil, "--env", "staging", "configure", "--unset", "buckett", "--set", "bucket=bkt"); r.code != 0 {
		t.Errorf("--unset of the misspelt key: %+v", r)
	}
	if data, _ := os.ReadFile(h.config); strings.Contains(string(data), "buckett") || !strings.Contains(string(data), `bucket           = "bkt"`) {
		t.Errorf("after --unset buckett:\n%s", data)
	}
	if r, _ := runConfigure(t, h, nil, "--env", "staging", "configure", "--unset", "colour"); r.code != 2 || !strings.Contains(r.stderr, `"colour" is not a key`) {
		t.Errorf("--unset of a key that is nowhere: %+v", r)
	}
}

// TestConfigureInteractive: on a terminal configure asks, derives the
// region from the pool id, and asks again only for a value that is wrong.
func TestConfigureInteractive(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{})
	h.config = filepath.Join(t.TempDir(), "config.toml")
	d := h.demo
	r, p := runConfigure(t, h, []string{
		"",                // env name: the offered "default"
		"eu-west-1_Wrong", // user pool id
		"",                // region: the one from the pool id
		d.ClientID,        // client id
		d.IdentityPoolID,  // identity pool id (in d.Region: the regions disagree)
		"-",               // no bucket
		d.Username,        // username
		d.UserPoolID,      // asked again, since the regions disagree: user pool id,
		"",                // region (now the new pool's),
		"",                // identity pool id (kept)
	}, "configure")
	if r.code != 0 {
		t.Fatalf("configure: %+v\nasked: %q", r, p.asked)
	}
	if len(p.answers) != 0 {
		t.Errorf("answers left over: %q (asked %q)", p.answers, p.asked)
	}
	if got := p.asked[2]; got != "Region [eu-west-1]: " {
		t.Errorf("region prompt %q; want the region of the pool id offered", got)
	}
	if got := p.asked[8]; got != "Region ["+d.Region+"]: " {
		t.Errorf("second region prompt %q; want the new pool id's region offered", got)
	}
	if !strings.Contains(r.stderr, "identity_pool_id:") && !strings.Contains(r.stderr, "user_pool_id:") {
		t.Errorf("no message for the mismatch: %s", r.stderr)
	}
	for _, s := range p.secret {
		if s {
			t.Errorf("configure asked for a secret: %q", p.asked)
		}
	}
	data, _ := os.ReadFile(h.config)
	for _, want := range []string{`default_env = "default"`, `[env.default]`, `user_pool_id     = "` + d.UserPoolID + `"`, `username         = "` + d.Username + `"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("config lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "bucket") {
		t.Errorf("config has a bucket after '-':\n%s", data)
	}
}

// TestConfigureThroughSymlink: a linked config file is edited where it
// lives, and the link stays.
func TestConfigureThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	h := newHarness(t, cognitotest.DemoOptions{})
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "config.toml")
	os.MkdirAll(filepath.Dir(real), 0o700)
	data, _ := os.ReadFile(h.config)
	os.WriteFile(real, data, 0o600)
	link := filepath.Join(dir, "config.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	h.config = link
	if r, _ := runConfigure(t, h, nil, "configure", "--set", "bucket=other-bucket"); r.code != 0 {
		t.Fatalf("configure: %+v", r)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(real); !strings.Contains(string(got), `bucket           = "other-bucket"`) {
		t.Errorf("the linked file was not edited:\n%s", got)
	}
}
