package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
)

// TestKeyringSessionStore: with session_store = "keyring" the session lives
// in the OS keyring (here the Secret Service), not in a file, and login,
// credentials and logout work as with files. It needs a running, unlocked
// Secret Service (scripts/test starts one when gnome-keyring is installed);
// under CI=true its absence is a failure.
func TestKeyringSessionStore(t *testing.T) {
	dir := t.TempDir()
	probe, err := sessionstore.NewKeyringStore("cognito-login-probe", dir)
	if err == nil {
		err = probe.Save("probe", []byte("x"))
		probe.Delete("probe")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no usable OS keyring under CI=true: %v", err)
		}
		t.Skipf("no usable OS keyring here: %v", err)
	}
	h := newHarness(t, cognitotest.DemoOptions{})
	h.writeConfig(h.demo.ConfigTOML("kr") + "session_store = \"keyring\"\n")
	t.Setenv("COGNITO_LOGIN_CACHE_DIR", dir)
	run := func(stdin string, args ...string) result {
		var out, errOut bytes.Buffer
		a := &App{IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, Prompter: noPrompter{},
			AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Now: h.clock.Now}
		return result{a.Run(context.Background(), append([]string{"--config", h.config}, args...)), out.String(), errOut.String()}
	}
	t.Cleanup(func() { run("", "logout") })
	if r := run(h.demo.Password+"\n", "login", "-u", "alice", "--password-stdin"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	p := decodeProcess(t, run("", "credentials").stdout)
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	for _, f := range append(files, hidden...) {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte(p.SecretAccessKey)) || bytes.Contains(data, []byte(p.SessionToken)) {
			t.Errorf("%s holds the credentials: the keyring store wrote secrets to disk", f)
		}
		if strings.HasSuffix(f, "kr.json") {
			t.Errorf("a session file %s exists next to the keyring", f)
		}
	}
	if r := run("", "logout"); r.code != 0 {
		t.Fatalf("logout: %s", r.stderr)
	}
	if r := run("", "credentials"); r.code != 3 {
		t.Errorf("after logout: exit %d", r.code)
	}
}
