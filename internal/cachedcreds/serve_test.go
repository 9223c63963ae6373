package cachedcreds

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/envconfig"
	"github.com/loginwithcognito/cognitologin/internal/sessiondata"
)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args []string
		want Request
		ok   bool
	}{
		{nil, Request{Format: "process"}, true},
		{[]string{"--env", "dev"}, Request{EnvName: "dev", Format: "process"}, true},
		{[]string{"--env=dev", "--config=/c.toml", "--format=env"}, Request{EnvName: "dev", ConfigPath: "/c.toml", Format: "env"}, true},
		{[]string{"-e", "dev", "-f", "fish"}, Request{EnvName: "dev", Format: "fish"}, true},
		{[]string{"-edev", "-fjson"}, Request{EnvName: "dev", Format: "json"}, true},
		{[]string{"-e=dev"}, Request{EnvName: "dev", Format: "process"}, true},
		{[]string{"--config", "/c.toml", "--format", "powershell"}, Request{ConfigPath: "/c.toml", Format: "powershell"}, true},
		// Left to the full command:
		{[]string{"--format", "yaml"}, Request{}, false},
		{[]string{"--guest"}, Request{}, false},
		{[]string{"--debug"}, Request{}, false},
		{[]string{"--help"}, Request{}, false},
		{[]string{"-h"}, Request{}, false},
		{[]string{"credentials"}, Request{}, false},
		{[]string{"--env"}, Request{}, false},
		{[]string{"--env", "a", "--env", "b"}, Request{}, false},
		{[]string{"--config="}, Request{}, false},
		{[]string{"--"}, Request{}, false},
		{[]string{"-x"}, Request{}, false},
	}
	for _, c := range cases {
		got, ok := ParseArgs(c.args)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseArgs(%q) = %+v, %v; want %+v, %v", c.args, got, ok, c.want, c.ok)
		}
	}
}

func TestParseCommandLine(t *testing.T) {
	cases := []struct {
		args []string
		want Request
		ok   bool
	}{
		{[]string{"credentials"}, Request{Format: "process"}, true},
		{[]string{"credentials", "--env", "dev", "-f", "env"}, Request{EnvName: "dev", Format: "env"}, true},
		{[]string{"--config", "/c.toml", "credentials"}, Request{ConfigPath: "/c.toml", Format: "process"}, true},
		{[]string{"--config=/c.toml", "-e", "dev", "credentials", "--format=json"}, Request{ConfigPath: "/c.toml", EnvName: "dev", Format: "json"}, true},
		{[]string{"-edev", "credentials"}, Request{EnvName: "dev", Format: "process"}, true},
		// Left to the full command:
		{nil, Request{}, false},
		{[]string{"login"}, Request{}, false},
		{[]string{"version", "credentials"}, Request{}, false},
		{[]string{"--debug", "credentials"}, Request{}, false},
		{[]string{"--format", "env", "credentials"}, Request{}, false}, // not a global flag
		{[]string{"--env", "a", "credentials", "--env", "b"}, Request{}, false},
		{[]string{"--config"}, Request{}, false},
		{[]string{"--env", "credentials"}, Request{}, false}, // "credentials" is --env's value
		{[]string{"--", "credentials"}, Request{}, false},
		{[]string{"credentials", "--guest"}, Request{}, false},
		{[]string{"credentials", "extra"}, Request{}, false},
	}
	for _, c := range cases {
		got, ok := ParseCommandLine(c.args)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseCommandLine(%q) = %+v, %v; want %+v, %v", c.args, got, ok, c.want, c.ok)
		}
	}
}

const testConfig = `default_env = "dev"

[env.dev]
region           = "eu-west-1"
user_pool_id     = "eu-west-1_AbC123xyz"
client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"
identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"

[env.kr]
region           = "eu-west-1"
user_pool_id     = "eu-west-1_AbC123xyz"
client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"
identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"
session_store    = "keyring"

[env.wide]
region           = "eu-west-1"
user_pool_id     = "eu-west-1_AbC123xyz"
client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"
identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"
expiry_window    = "20m"
`

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func testSession(env string) *sessiondata.Session {
	return &sessiondata.Session{
		Env: env, Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123xyz",
		ClientID: "4h5j6k7l8m9n0p1q2r3s4t5u6v", IdentityPoolID: "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9",
		Username: "alice", IDToken: "id", AccessToken: "access", RefreshToken: "refresh",
		TokensExpire: now.Add(time.Hour), IdentityID: "eu-west-1:11111111-2222-3333-4444-555555555555",
		Credentials: &sessiondata.StoredCredentials{
			AccessKeyID: "ASIAFAST", SecretAccessKey: "secret'key", SessionToken: "token",
			Expiration: now.Add(15 * time.Minute), Obtained: now.Add(-45 * time.Minute),
		},
	}
}

// world is a config file and a cache dir, selected through the same
// environment variables the CLI reads.
type world struct {
	t      *testing.T
	config string
	cache  string
}

func newWorld(t *testing.T) *world {
	dir := t.TempDir()
	w := &world{t: t, config: filepath.Join(dir, "config.toml"), cache: filepath.Join(dir, "cache")}
	if err := os.WriteFile(w.config, []byte(testConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(w.cache, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envconfig.EnvConfigPath, w.config)
	t.Setenv(envconfig.EnvCacheDir, w.cache)
	t.Setenv(envconfig.EnvEnvName, "")
	for _, env := range []string{"dev", "kr", "wide"} {
		w.save(testSession(env))
	}
	return w
}

func (w *world) path(env string) string { return filepath.Join(w.cache, env+".json") }

func (w *world) save(s *sessiondata.Session) {
	data, err := s.Encode()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(w.path(s.Env), data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func TestServeCachedCredentials(t *testing.T) {
	newWorld(t)
	for _, format := range Formats {
		out, ok := Serve(Request{Format: format}, now)
		if !ok {
			t.Fatalf("format %s: not served", format)
		}
		c := testSession("dev").Credentials
		var want bytes.Buffer
		if err := Write(&want, format, Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, CanExpire: true, Expires: c.Expiration}, "eu-west-1", testSession("dev").IdentityID); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, want.Bytes()) {
			t.Errorf("format %s:\n%s\nwant\n%s", format, out, want.Bytes())
		}
	}
	out, _ := Serve(Request{Format: "json"}, now)
	var p ProcessCredentials
	if err := json.Unmarshal(out, &p); err != nil || p.AccessKeyID != "ASIAFAST" || p.Expiration != "2026-11-22T10:15:00Z" || p.Region != "eu-west-1" {
		t.Errorf("json output %s (%v)", out, err)
	}
}

// TestServeLeavesToFullCommand: every case the full command must handle
// (refresh, repair, explain) is declined, and nothing is changed on disk.
func TestServeLeavesToFullCommand(t *testing.T) {
	cases := []struct {
		name  string
		req   Request
		setup func(w *world)
		at    time.Time
	}{
		{name: "credentials inside the renewal window", at: now.Add(11 * time.Minute)},
		{name: "credentials expired", at: now.Add(time.Hour)},
		{name: "env's expiry_window reaches them", req: Request{EnvName: "wide"}},
		{name: "services' clock ahead", setup: func(w *world) {
			s := testSession("dev")
			s.ClockSkew = 12 * time.Minute
			w.save(s)
		}},
		{name: "no credentials in the session", setup: func(w *world) {
			s := testSession("dev")
			s.Credentials = nil
			w.save(s)
		}},
		{name: "stale session", setup: func(w *world) {
			s := testSession("dev")
			s.Stale = "the refresh token was revoked"
			w.save(s)
		}},
		{name: "session of another identity pool", setup: func(w *world) {
			s := testSession("dev")
			s.IdentityPoolID = "eu-west-1:99999999-2222-3333-4444-555555555555"
			w.save(s)
		}},
		{name: "corrupt session", setup: func(w *world) { os.WriteFile(w.path("dev"), []byte(`{"version":1,`), 0o600) }},
		{name: "session of a newer format", setup: func(w *world) {
			os.WriteFile(w.path("dev"), []byte(`{"version":2,"refresh_token":"r"}`), 0o600)
		}},
		{name: "no session", setup: func(w *world) { os.Remove(w.path("dev")) }},
		{name: "keyring store", req: Request{EnvName: "kr"}},
		{name: "unknown env", req: Request{EnvName: "nope"}},
		{name: "env from COGNITO_LOGIN_ENV unknown", setup: func(w *world) { w.t.Setenv(envconfig.EnvEnvName, "nope") }},
		{name: "missing config", req: Request{ConfigPath: "/nonexistent/config.toml"}},
		{name: "invalid config", setup: func(w *world) {
			os.WriteFile(w.config, []byte(strings.Replace(testConfig, `region           = "eu-west-1"`, `region = "Europe"`, 1)), 0o600)
		}},
		{name: "missing cache dir", setup: func(w *world) { w.t.Setenv(envconfig.EnvCacheDir, filepath.Join(w.cache, "none")) }},
		{name: "session file is a symlink", setup: func(w *world) {
			os.Rename(w.path("dev"), filepath.Join(w.cache, "elsewhere"))
			if err := os.Symlink(filepath.Join(w.cache, "elsewhere"), w.path("dev")); err != nil {
				w.t.Skip(err)
			}
		}},
		{name: "session file is a directory", setup: func(w *world) {
			os.Remove(w.path("dev"))
			os.Mkdir(w.path("dev"), 0o700)
		}},
	}
	if runtime.GOOS != "windows" {
		cases = append(cases,
			struct {
				name  string
				req   Request
				setup func(w *world)
				at    time.Time
			}{name: "session file readable by others", setup: func(w *world) { os.Chmod(w.path("dev"), 0o644) }},
			struct {
				name  string
				req   Request
				setup func(w *world)
				at    time.Time
			}{name: "cache dir open to others", setup: func(w *world) { os.Chmod(w.cache, 0o755) }},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.setup != nil {
				c.setup(w)
			}
			before := snapshot(t, w.cache)
			at := c.at
			if at.IsZero() {
				at = now
			}
			req := c.req
			if req.Format == "" {
				req.Format = "process"
			}
			if out, ok := Serve(req, at); ok {
				t.Fatalf("served %s; want it left to the full command", out)
			}
			if after := snapshot(t, w.cache); after != before {
				t.Errorf("the cache dir changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// snapshot describes a directory's entries: names, modes and contents.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	fi, err := os.Lstat(dir)
	if err != nil {
		return "missing"
	}
	b.WriteString(fi.Mode().String() + "\n")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + " " + info.Mode().String() + " " + string(data) + "\n")
	}
	return b.String()
}

// FuzzParseArgs: no command line panics, and one that is accepted names a
// valid format and only flags the full command reads the same way.
func FuzzParseArgs(f *testing.F) {
	f.Add("--env\x00dev\x00--format=json")
	f.Add("-edev\x00-f\x00env\x00--config\x00/x")
	f.Add("--guest")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		r, ok := ParseArgs(args)
		if !ok {
			return
		}
		if !ValidFormat(r.Format) {
			t.Fatalf("ParseArgs(%q) accepted format %q", args, r.Format)
		}
		for _, a := range args {
			if a == "--guest" || a == "--debug" || a == "--help" || a == "-h" {
				if r.ConfigPath != a && r.EnvName != a && r.Format != a {
					t.Fatalf("ParseArgs(%q) accepted %s", args, a)
				}
			}
		}
	})
}
