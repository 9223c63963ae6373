package envconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodEnv = `
region           = "eu-west-1"
user_pool_id     = "eu-west-1_AbC123xyz"
client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"
identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"
`

func TestParseConfigGood(t *testing.T) {
	cfg, err := ParseConfig("c.toml", []byte("default_env = \"dev\"\n[env.dev]"+goodEnv+"bucket = \"b-1\"\n[env.prod]"+goodEnv+
		"credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/Long\"\nduration = \"12h\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := cfg.Select("")
	if err != nil {
		t.Fatal(err)
	}
	if dev.Name != "dev" || dev.AuthFlow != "srp" || dev.CredentialsFlow != "enhanced" || dev.SessionStore != "file" || dev.Bucket != "b-1" {
		t.Errorf("dev defaults = %+v", *dev)
	}
	prod, err := cfg.Select("prod")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Duration != 12*time.Hour || prod.CredentialsFlow != "basic" {
		t.Errorf("prod = %v %v", prod.Duration, prod.CredentialsFlow)
	}
	t.Setenv(EnvEnvName, "prod")
	if e, _ := cfg.Select(""); e.Name != "prod" {
		t.Errorf("%s did not select prod: %s", EnvEnvName, e.Name)
	}
	t.Setenv(EnvClientSecret, "from-env")
	if e, _ := cfg.Select("dev"); e.ClientSecret != "from-env" || strings.Contains(e.String(), "from-env") {
		t.Errorf("client secret from env: %q; String() = %s", e.ClientSecret, e.String())
	}
}

func TestParseConfigErrors(t *testing.T) {
	replace := func(old, new string) string { return "[env.dev]" + strings.Replace(goodEnv, old, new, 1) }
	cases := []struct {
		name, toml string
		want       []string // substrings of the error
	}{
		{"not toml", "[env.dev\nregion=", []string{"c.toml", "not valid TOML", "line"}},
		{"no envs", "default_env = \"x\"\n", []string{"no environments"}},
		{"unknown key", "[env.dev]" + goodEnv + "regoin = \"x\"\n", []string{`env "dev"`, "regoin", "unknown key"}},
		{"unknown top key", "colour = 1\n[env.dev]" + goodEnv, []string{"colour", "unknown key"}},
		{"missing region", replace(`region           = "eu-west-1"`, ""), []string{`env "dev"`, "region", "missing"}},
		{"bad region", replace(`"eu-west-1"`, `"Europe"`), []string{"region", "not an AWS region"}},
		{"missing pool", replace(`user_pool_id     = "eu-west-1_AbC123xyz"`, ""), []string{"user_pool_id", "missing"}},
		{"bad pool", replace(`"eu-west-1_AbC123xyz"`, `"AbC123xyz"`), []string{"user_pool_id", "<region>_<id>"}},
		{"pool region mismatch", replace(`"eu-west-1_AbC123xyz"`, `"us-east-1_AbC123xyz"`), []string{"user_pool_id", "region us-east-1", "eu-west-1"}},
		{"missing client", replace(`client_id        = "4h5j6k7l8m9n0p1q2r3s4t5u6v"`, ""), []string{"client_id", "missing"}},
		{"bad client", replace(`"4h5j6k7l8m9n0p1q2r3s4t5u6v"`, `"has space"`), []string{"client_id"}},
		{"missing identity pool", replace(`identity_pool_id = "eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"`, ""), []string{"identity_pool_id", "missing"}},
		{"bad identity pool", replace(`"eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9"`, `"eu-west-1/xyz"`), []string{"identity_pool_id", "<region>:<uuid>"}},
		{"identity pool region", replace(`"eu-west-1:0e1d`, `"us-west-2:0e1d`), []string{"identity_pool_id", "region us-west-2"}},
		{"bad auth flow", "[env.dev]" + goodEnv + "auth_flow = \"magic\"\n", []string{"auth_flow", "magic"}},
		{"bad credentials flow", "[env.dev]" + goodEnv + "credentials_flow = \"x\"\n", []string{"credentials_flow"}},
		{"basic without role", "[env.dev]" + goodEnv + "credentials_flow = \"basic\"\n", []string{"role_arn", "required"}},
		{"bad role", "[env.dev]" + goodEnv + "role_arn = \"role/x\"\n", []string{"role_arn", "not an IAM role ARN"}},
		{"bad duration", "[env.dev]" + goodEnv + "credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nduration = \"an hour\"\n", []string{"duration", "not a duration"}},
		{"short duration", "[env.dev]" + goodEnv + "credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nduration = \"5m\"\n", []string{"duration", "15m..12h"}},
		{"long duration", "[env.dev]" + goodEnv + "credentials_flow = \"basic\"\nrole_arn = \"arn:aws:iam::123456789012:role/R\"\nduration = \"13h\"\n", []string{"duration", "15m..12h"}},
		{"duration on enhanced", "[env.dev]" + goodEnv + "duration = \"2h\"\n", []string{"duration", "basic"}},
		{"wrong type", "[env.dev]" + goodEnv + "redirect_port = \"eighty\"\n", []string{"c.toml"}},
		{"bad default env", "default_env = \"prod\"\n[env.dev]" + goodEnv, []string{"default_env", `"prod"`, "dev"}},
		{"bad env name", "[env.\"a b\"]" + goodEnv, []string{"environment name"}},
		{"bad session store", "[env.dev]" + goodEnv + "session_store = \"db\"\n", []string{"session_store"}},
		{"bad bucket", "[env.dev]" + goodEnv + "bucket = \"a/b\"\n", []string{"bucket"}},
		{"domain not https", "[env.dev]" + goodEnv + "domain = \"http://myapp.auth.eu-west-1.amazoncognito.com\"\n", []string{"domain", "base URL"}},
		{"domain with path", "[env.dev]" + goodEnv + "domain = \"https://myapp.example.com/oauth2/authorize\"\n", []string{"domain"}},
		{"bad expiry window", "[env.dev]" + goodEnv + "expiry_window = \"soon\"\n", []string{"expiry_window", "not a duration"}},
		{"huge expiry window", "[env.dev]" + goodEnv + "expiry_window = \"2h\"\n", []string{"expiry_window", "10s..1h"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("c.toml", []byte(tc.toml))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v; want a *ConfigError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadConfig(filepath.Join(dir, "none.toml")); err == nil || !strings.Contains(err.Error(), "file not found") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	if os.Geteuid() != 0 {
		p := filepath.Join(dir, "locked.toml")
		os.WriteFile(p, []byte("[env.dev]"+goodEnv), 0o000)
		if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "cannot read") {
			t.Errorf("unreadable: %v", err)
		}
	}
}

func TestSelectNeedsChoice(t *testing.T) {
	cfg, err := ParseConfig("c.toml", []byte("[env.a]"+goodEnv+"[env.b]"+goodEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvEnvName, "")
	if _, err := cfg.Select(""); err == nil || !strings.Contains(err.Error(), "--env") {
		t.Errorf("two envs, none chosen: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("default_env = \"dev\"\n[env.dev]" + goodEnv))
	f.Add([]byte("[env.x]\nduration = \"99999999h\"\n"))
	f.Add([]byte("[[env]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.toml", data)
		if err == nil {
			for _, name := range cfg.Names() {
				if err := cfg.Envs[name].Validate(); err != nil {
					t.Fatalf("an accepted env does not validate again: %v", err)
				}
			}
		}
	})
}

func TestLoadEnvDefaultPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte("[env.dev]\n"+goodEnv), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvConfigPath, p)
	t.Setenv(EnvEnvName, "")
	e, err := LoadEnv("", "")
	if err != nil || e.Name != "dev" || e.Origin != p {
		t.Fatalf("LoadEnv with the default path: %+v, %v", e, err)
	}
	if _, err := LoadEnv("", "prod"); err == nil || !strings.Contains(err.Error(), `no environment "prod"`) {
		t.Errorf("unknown env: %v", err)
	}
}

// TestParseErrorsHideTheClientSecret: the TOML parser quotes what it found;
// on the client secret's line the message must not.
func TestParseErrorsHideTheClientSecret(t *testing.T) {
	for _, doc := range []string{
		"[env.a]\nclient_secret = S3cretValue42\n",
		"[env.a]\nclient_secret = \"S3cretValue42\" junk\n",
	} {
		_, err := ParseConfig("f.toml", []byte(doc))
		if err == nil || strings.Contains(err.Error(), "S3cretValue42") || !strings.Contains(err.Error(), "client_secret") {
			t.Errorf("%q: %v; want an error naming client_secret without its value", doc, err)
		}
		if _, _, err := EnvValues([]byte(doc), "a"); err == nil || strings.Contains(err.Error(), "S3cretValue42") {
			t.Errorf("EnvValues(%q): %v", doc, err)
		}
	}
	if _, err := ApplyEdit(nil, Edit{Env: "a", Set: map[string]string{"client_secret": "S3cret\xffValue42"}}); err == nil || strings.Contains(err.Error(), "S3cret") {
		t.Errorf("a non-UTF-8 secret: %v", err)
	}
}
