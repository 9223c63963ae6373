// Package envconfig reads cognito-login's config file: named environments
// (region, user pool, app client, identity pool and how to use them), with
// every value validated and errors that name the file, env and key.
//
// It imports no AWS SDK package, so the cached-credentials fast path
// (cmd/cognito-login-credentials) can use it and still start in a couple of
// milliseconds. The root package re-exports its types.
package envconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Env is one named environment: which user pool, app client and identity
// pool to use, and how.
type Env struct {
	// Name is the environment's name in the config file ("dev").
	Name string
	// Region is the AWS region of the pools ("eu-west-1").
	Region string
	// UserPoolID is "<region>_<id>".
	UserPoolID string
	// ClientID is the user pool app client's id.
	ClientID string
	// ClientSecret is the app client's secret, only for clients that have
	// one. It is a secret: Env's String method leaves it out.
	ClientSecret string
	// IdentityPoolID is "<region>:<uuid>".
	IdentityPoolID string
	// AuthFlow is "srp" (default), "password", "user_auth" (choice-based
	// sign-in) or "custom" (the pool's custom challenges).
	AuthFlow string
	// CredentialsFlow is "enhanced" (default) or "basic".
	CredentialsFlow string
	// RoleARN is, for the enhanced flow, an optional custom role; for the
	// basic flow, the role to assume (required).
	RoleARN string
	// Duration is the basic flow's credential lifetime, 15m to 12h.
	// Default 1h.
	Duration time.Duration
	// Bucket is what `cognito-login ls` lists when given no bucket.
	Bucket string
	// Username is an optional default user for login.
	Username string
	// SessionStore is "file" (default) or "keyring" (the OS keyring:
	// macOS Keychain, Windows Credential Manager, Secret Service).
	SessionStore string
	// ExpiryWindow is how long before they expire credentials and tokens
	// are renewed (at most half their lifetime). Default 5m.
	ExpiryWindow time.Duration

	// Hosted UI settings, kept for browser sign-in.
	Domain           string
	RedirectPort     int
	Scopes           []string
	IdentityProvider string

	// Origin is where the env was defined, for error messages: the config
	// file's path, or a description such as "(Env in code)".
	Origin string
}

// String describes the env without its client secret.
func (e Env) String() string {
	secret := ""
	if e.ClientSecret != "" {
		secret = " client_secret=[redacted]"
	}
	return fmt.Sprintf("env %q (region=%s user_pool_id=%s client_id=%s identity_pool_id=%s%s)",
		e.Name, e.Region, e.UserPoolID, e.ClientID, e.IdentityPoolID, secret)
}

// GoString redacts like String.
func (e Env) GoString() string { return e.String() }

// ConfigError is a mistake in the configuration. It names the file (or
// "code" for an Env built in a program), the environment and the key.
type ConfigError struct {
	File string
	Env  string
	Key  string
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	if e.Env != "" {
		fmt.Fprintf(&b, ": env %q", e.Env)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Config is a parsed config file.
type Config struct {
	// Path is the file it was read from.
	Path string
	// DefaultEnv is default_env, if set.
	DefaultEnv string
	// Envs are the environments by name.
	Envs map[string]*Env
}

// DefaultExpiryWindow is how long before they expire credentials and
// tokens are renewed when expiry_window is not set.
const DefaultExpiryWindow = 5 * time.Minute

// Environment variables the configuration honours.
const (
	EnvConfigPath   = "COGNITO_LOGIN_CONFIG"
	EnvEnvName      = "COGNITO_LOGIN_ENV"
	EnvClientSecret = "COGNITO_LOGIN_CLIENT_SECRET"
	EnvCacheDir     = "COGNITO_LOGIN_CACHE_DIR"
)

// DefaultConfigPath is $COGNITO_LOGIN_CONFIG, else
// <os.UserConfigDir()>/cognito-login/config.toml.
func DefaultConfigPath() (string, error) {
	if p := os.Getenv(EnvConfigPath); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user config directory (%v): set %s or pass --config", err, EnvConfigPath)
	}
	return filepath.Join(dir, "cognito-login", "config.toml"), nil
}

// ConfigPath returns path, or DefaultConfigPath when path is empty, as a
// *ConfigError when there is no default.
func ConfigPath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	p, err := DefaultConfigPath()
	if err != nil {
		return "", &ConfigError{Msg: err.Error()}
	}
	return p, nil
}

// LoadEnv loads the config file at path (empty: the default location) and
// selects the environment name as Config.Select does.
func LoadEnv(path, name string) (*Env, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return cfg.Select(name)
}

// DefaultCacheDir is $COGNITO_LOGIN_CACHE_DIR, else
// <os.UserCacheDir()>/cognito-login.
func DefaultCacheDir() (string, error) {
	if p := os.Getenv(EnvCacheDir); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user cache directory (%v): set %s", err, EnvCacheDir)
	}
	return filepath.Join(dir, "cognito-login"), nil
}

type fileEnv struct {
	Region           string   `toml:"region"`
	UserPoolID       string   `toml:"user_pool_id"`
	ClientID         string   `toml:"client_id"`
	ClientSecret     string   `toml:"client_secret"`
	IdentityPoolID   string   `toml:"identity_pool_id"`
	AuthFlow         string   `toml:"auth_flow"`
	CredentialsFlow  string   `toml:"credentials_flow"`
	RoleARN          string   `toml:"role_arn"`
	Duration         string   `toml:"duration"`
	Bucket           string   `toml:"bucket"`
	Username         string   `toml:"username"`
	SessionStore     string   `toml:"session_store"`
	ExpiryWindow     string   `toml:"expiry_window"`
	Domain           string   `toml:"domain"`
	RedirectPort     int      `toml:"redirect_port"`
	Scopes           []string `toml:"scopes"`
	IdentityProvider string   `toml:"identity_provider"`
}

type fileConfig struct {
	DefaultEnv string              `toml:"default_env"`
	Env        map[string]*fileEnv `toml:"env"`
}

// maxConfigSize bounds what LoadConfig reads.
const maxConfigSize = 1 << 20

// LoadConfig reads and validates a config file; an empty path means the
// default location. Every environment in it is validated, so a mistake is
// reported whichever env is used.
func LoadConfig(path string) (*Config, error) {
	path, err := ConfigPath(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ConfigError{File: path, Msg: "file not found: create it (see `cognito-login configure` or the README), or point --config / " + EnvConfigPath + " at one"}
		}
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read: %v", unwrapPathErr(err))}
	}
	if fi.IsDir() {
		return nil, &ConfigError{File: path, Msg: "is a directory, not a TOML file"}
	}
	if fi.Size() > maxConfigSize {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("is %d bytes, larger than a config file can be (%d)", fi.Size(), maxConfigSize)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read: %v", unwrapPathErr(err))}
	}
	return ParseConfig(path, data)
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseConfig parses and validates config file contents; path is used in
// error messages.
func ParseConfig(path string, data []byte) (*Config, error) {
	var fc fileConfig
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: tomlErrorMsg(data, err)}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		if len(k) == 3 && k[0] == "env" {
			return nil, &ConfigError{File: path, Env: k[1], Key: k[2], Msg: "unknown key (known: " + strings.Join(knownEnvKeys(), ", ") + ")"}
		}
		return nil, &ConfigError{File: path, Key: k.String(), Msg: "unknown key (top level takes default_env and [env.NAME] tables)"}
	}
	cfg := &Config{Path: path, DefaultEnv: fc.DefaultEnv, Envs: map[string]*Env{}}
	for name, fe := range fc.Env {
		if fe == nil {
			continue
		}
		e := &Env{
			Name: name, Region: fe.Region, UserPoolID: fe.UserPoolID, ClientID: fe.ClientID,
			ClientSecret: fe.ClientSecret, IdentityPoolID: fe.IdentityPoolID, AuthFlow: fe.AuthFlow,
			CredentialsFlow: fe.CredentialsFlow, RoleARN: fe.RoleARN, Bucket: fe.Bucket,
			Username: fe.Username, SessionStore: fe.SessionStore, Domain: fe.Domain,
			RedirectPort: fe.RedirectPort, Scopes: fe.Scopes, IdentityProvider: fe.IdentityProvider,
			Origin: path,
		}
		if fe.Duration != "" {
			d, err := time.ParseDuration(fe.Duration)
			if err != nil {
				return nil, &ConfigError{File: path, Env: name, Key: "duration", Msg: fmt.Sprintf("%q is not a duration (write e.g. \"1h\", \"90m\", \"12h\")", fe.Duration)}
			}
			e.Duration = d
		}
		if fe.ExpiryWindow != "" {
			d, err := time.ParseDuration(fe.ExpiryWindow)
			if err != nil {
				return nil, &ConfigError{File: path, Env: name, Key: "expiry_window", Msg: fmt.Sprintf("%q is not a duration (write e.g. \"5m\", \"90s\")", fe.ExpiryWindow)}
			}
			e.ExpiryWindow = d
		}
		if err := e.Validate(); err != nil {
			return nil, err
		}
		cfg.Envs[name] = e
	}
	if len(cfg.Envs) == 0 {
		return nil, &ConfigError{File: path, Msg: "no environments: add an [env.NAME] table (see the README)"}
	}
	if cfg.DefaultEnv != "" {
		if _, ok := cfg.Envs[cfg.DefaultEnv]; !ok {
			return nil, &ConfigError{File: path, Key: "default_env", Msg: fmt.Sprintf("names %q, which is not an environment here (have: %s)", cfg.DefaultEnv, strings.Join(cfg.Names(), ", "))}
		}
	}
	return cfg, nil
}

// tomlErrorMsg describes a TOML decoding error for a person. The parser
// quotes what it found ("expected value but found \"…\" instead"), so on
// the client secret's line the message says what is wrong without it.
func tomlErrorMsg(data []byte, err error) string {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return "not valid for this config: " + err.Error()
	}
	msg := pe.Message
	lines := strings.Split(string(data), "\n")
	if l := pe.Position.Line; l >= 1 && l <= len(lines) {
		if k, _, _ := strings.Cut(lines[l-1], "="); strings.Contains(k, "client_secret") {
			msg = "the client_secret value is not a valid TOML string (write client_secret = \"...\", or set " + EnvClientSecret + " instead); it is not repeated here"
		}
	}
	return fmt.Sprintf("not valid TOML: line %d: %s", pe.Position.Line, msg)
}

func knownEnvKeys() []string {
	return []string{"region", "user_pool_id", "client_id", "client_secret", "identity_pool_id", "auth_flow",
		"credentials_flow", "role_arn", "duration", "bucket", "username", "session_store", "expiry_window", "domain",
		"redirect_port", "scopes", "identity_provider"}
}

// Names returns the environment names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Envs))
	for n := range c.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Select picks an environment: name if given, else $COGNITO_LOGIN_ENV, else
// default_env, else the only one. The client secret falls back to
// $COGNITO_LOGIN_CLIENT_SECRET.
func (c *Config) Select(name string) (*Env, error) {
	from := "--env"
	if name == "" {
		name, from = os.Getenv(EnvEnvName), EnvEnvName
	}
	if name == "" {
		name, from = c.DefaultEnv, "default_env"
	}
	if name == "" {
		if len(c.Envs) == 1 {
			for _, e := range c.Envs {
				return withSecretFromEnv(e), nil
			}
		}
		return nil, &ConfigError{File: c.Path, Msg: fmt.Sprintf("several environments (%s) and none chosen: pass --env NAME, set %s, or set default_env", strings.Join(c.Names(), ", "), EnvEnvName)}
	}
	e, ok := c.Envs[name]
	if !ok {
		return nil, &ConfigError{File: c.Path, Msg: fmt.Sprintf("no environment %q (chosen by %s); have: %s", name, from, strings.Join(c.Names(), ", "))}
	}
	return withSecretFromEnv(e), nil
}

func withSecretFromEnv(e *Env) *Env {
	cp := *e
	if cp.ClientSecret == "" {
		cp.ClientSecret = os.Getenv(EnvClientSecret)
	}
	return &cp
}

// The value checks below are written out rather than regexps: compiling a
// handful of regexps at start-up costs about 0.2 ms, a tenth of what the
// credential_process helper, which reads this config on every AWS CLI
// command, is allowed. validate_test.go checks them against the regexps
// they replace.

// charsIn reports whether s is non-empty and every byte of it is allowed.
func charsIn(s string, allowed func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !allowed(s[i]) {
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isLower(c) || isDigit(c) || 'A' <= c && c <= 'Z' }

// isWord is regexp's \w: letters, digits and '_'.
func isWord(c byte) bool { return isAlnum(c) || c == '_' }

// isRegion matches [a-z]{2}(-[a-z]+)+-[0-9]+ ("eu-west-1", "us-gov-east-1").
func isRegion(s string) bool {
	if len(s) < 3 || !isLower(s[0]) || !isLower(s[1]) || s[2] != '-' {
		return false
	}
	parts := strings.Split(s[3:], "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if !charsIn(p, isLower) {
			return false
		}
	}
	return charsIn(parts[len(parts)-1], isDigit)
}

// splitRegionID splits "<region><sep><id>" at the first sep, which a region
// never contains, and reports whether the prefix is a region and the id
// is made of allowed bytes.
func splitRegionID(s string, sep byte, allowed func(byte) bool) (region string, ok bool) {
	i := strings.IndexByte(s, sep)
	if i < 0 || !isRegion(s[:i]) || !charsIn(s[i+1:], allowed) {
		return "", false
	}
	return s[:i], true
}

// userPoolRegion matches <region>_[0-9A-Za-z]+ and returns the region.
func userPoolRegion(s string) (string, bool) { return splitRegionID(s, '_', isAlnum) }

// identityPoolRegion matches <region>:[0-9a-f-]+ and returns the region.
func identityPoolRegion(s string) (string, bool) {
	return splitRegionID(s, ':', func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || c == '-' })
}

// isClientID matches [\w+]+.
func isClientID(s string) bool { return charsIn(s, func(c byte) bool { return isWord(c) || c == '+' }) }

// isRoleARN matches arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+.
func isRoleARN(s string) bool {
	rest, ok := strings.CutPrefix(s, "arn:aws")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 || (i > 0 && !charsIn(rest[:i], func(c byte) bool { return isLower(c) || c == '-' })) {
		return false
	}
	rest, ok = strings.CutPrefix(rest[i:], ":iam::")
	if !ok || len(rest) < 12 || !charsIn(rest[:12], isDigit) {
		return false
	}
	name, ok := strings.CutPrefix(rest[12:], ":role/")
	return ok && charsIn(name, func(c byte) bool { return isWord(c) || strings.IndexByte("+=,.@/-", c) >= 0 })
}

// envNameProblem says what is wrong with an environment name, or "".
func envNameProblem(name string) string {
	if len(name) > 64 || !isEnvName(name) {
		return fmt.Sprintf("environment name %q must be letters, digits, '.', '_' or '-' (up to 64), starting with a letter or digit", name)
	}
	return ""
}

// isEnvName matches [A-Za-z0-9][A-Za-z0-9._-]*.
func isEnvName(s string) bool {
	return s != "" && isAlnum(s[0]) && (len(s) == 1 || charsIn(s[1:], func(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }))
}

// Validate checks every value and fills defaults. Errors name the key.
func (e *Env) Validate() error {
	bad := func(key, msg string, args ...any) error {
		return &ConfigError{File: e.Origin, Env: e.Name, Key: key, Msg: fmt.Sprintf(msg, args...)}
	}
	if msg := envNameProblem(e.Name); msg != "" {
		return bad("", "%s", msg)
	}
	if e.Region == "" {
		return bad("region", "missing (e.g. region = \"eu-west-1\")")
	}
	if !isRegion(e.Region) {
		return bad("region", "%q is not an AWS region name like \"eu-west-1\"", e.Region)
	}
	if e.UserPoolID == "" {
		return bad("user_pool_id", "missing (the user pool's id, e.g. \"%s_AbC123xyz\")", e.Region)
	}
	region, ok := userPoolRegion(e.UserPoolID)
	if !ok {
		return bad("user_pool_id", "%q is not a user pool id (form <region>_<id>, e.g. \"%s_AbC123xyz\")", e.UserPoolID, e.Region)
	}
	if region != e.Region {
		return bad("user_pool_id", "%q is in region %s but region is %s", e.UserPoolID, region, e.Region)
	}
	if e.ClientID == "" {
		return bad("client_id", "missing (the user pool app client's id)")
	}
	if len(e.ClientID) > 128 || !isClientID(e.ClientID) {
		return bad("client_id", "%q is not an app client id (letters and digits)", e.ClientID)
	}
	if e.IdentityPoolID == "" {
		return bad("identity_pool_id", "missing (the identity pool's id, e.g. \"%s:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9\")", e.Region)
	}
	region, ok = identityPoolRegion(e.IdentityPoolID)
	if !ok {
		return bad("identity_pool_id", "%q is not an identity pool id (form <region>:<uuid>)", e.IdentityPoolID)
	}
	if region != e.Region {
		return bad("identity_pool_id", "%q is in region %s but region is %s", e.IdentityPoolID, region, e.Region)
	}
	switch e.AuthFlow {
	case "":
		e.AuthFlow = "srp"
	case "srp", "password", "user_auth", "custom":
	default:
		return bad("auth_flow", "%q is not one of \"srp\", \"password\", \"user_auth\", \"custom\"", e.AuthFlow)
	}
	if e.RoleARN != "" && (len(e.RoleARN) > 2048 || !isRoleARN(e.RoleARN)) {
		return bad("role_arn", "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", e.RoleARN)
	}
	switch e.CredentialsFlow {
	case "":
		e.CredentialsFlow = "enhanced"
	case "enhanced":
	case "basic":
		if e.RoleARN == "" {
			return bad("role_arn", "required when credentials_flow = \"basic\" (the role to assume)")
		}
	default:
		return bad("credentials_flow", "%q is not one of \"enhanced\", \"basic\"", e.CredentialsFlow)
	}
	if e.Duration != 0 {
		if e.CredentialsFlow != "basic" {
			return bad("duration", "applies only to credentials_flow = \"basic\" (the enhanced flow's credentials always last 1h); remove it or switch flows")
		}
		if e.Duration < 15*time.Minute || e.Duration > 12*time.Hour {
			return bad("duration", "%s is outside 15m..12h (and may not exceed the role's maximum session duration)", e.Duration)
		}
		if e.Duration%time.Second != 0 {
			return bad("duration", "%s is not a whole number of seconds", e.Duration)
		}
	} else if e.CredentialsFlow == "basic" {
		e.Duration = time.Hour
	}
	switch e.SessionStore {
	case "":
		e.SessionStore = "file"
	case "file", "keyring":
	default:
		return bad("session_store", "%q is not \"file\" or \"keyring\"", e.SessionStore)
	}
	if e.ExpiryWindow != 0 && (e.ExpiryWindow < 10*time.Second || e.ExpiryWindow > time.Hour) {
		return bad("expiry_window", "%s is outside 10s..1h", e.ExpiryWindow)
	}
	if e.Bucket != "" && (len(e.Bucket) < 3 || len(e.Bucket) > 63 || strings.ContainsAny(e.Bucket, "/ ")) {
		return bad("bucket", "%q is not an S3 bucket name", e.Bucket)
	}
	if e.Domain != "" {
		u, err := url.Parse(e.Domain)
		local := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
		if err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && local)) || (u.Path != "" && u.Path != "/") {
			return bad("domain", "%q is not the user pool domain's base URL (https://<prefix>.auth.<region>.amazoncognito.com or a custom https domain)", e.Domain)
		}
	}
	if e.RedirectPort < 0 || e.RedirectPort > 65535 {
		return bad("redirect_port", "%d is not a TCP port", e.RedirectPort)
	}
	return nil
}
