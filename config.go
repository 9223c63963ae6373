package cognitologin

import "github.com/loginwithcognito/cognitologin/internal/envconfig"

// Env is one named environment: which user pool, app client and identity
// pool to use, and how. Its fields are documented in the config file
// format (README); String leaves out the client secret.
type Env = envconfig.Env

// ConfigError is a mistake in the configuration. It names the file (or
// "(Env in code)" for an Env built in a program), the environment and the
// key.
type ConfigError = envconfig.ConfigError

// Config is a parsed config file: its path, default_env and environments.
type Config = envconfig.Config

// Environment variables the configuration honours.
const (
	EnvConfigPath   = envconfig.EnvConfigPath
	EnvEnvName      = envconfig.EnvEnvName
	EnvClientSecret = envconfig.EnvClientSecret
	EnvCacheDir     = envconfig.EnvCacheDir
)

// DefaultConfigPath is $COGNITO_LOGIN_CONFIG, else
// <os.UserConfigDir()>/cognito-login/config.toml.
func DefaultConfigPath() (string, error) { return envconfig.DefaultConfigPath() }

// DefaultCacheDir is $COGNITO_LOGIN_CACHE_DIR, else
// <os.UserCacheDir()>/cognito-login.
func DefaultCacheDir() (string, error) { return envconfig.DefaultCacheDir() }

// LoadConfig reads and validates a config file; an empty path means the
// default location. Every environment in it is validated, so a mistake is
// reported whichever env is used.
func LoadConfig(path string) (*Config, error) { return envconfig.LoadConfig(path) }

// LoadEnv loads the config file at path (empty: the default location) and
// selects an environment: name if given, else $COGNITO_LOGIN_ENV, else
// default_env, else the only one.
func LoadEnv(path, name string) (*Env, error) { return envconfig.LoadEnv(path, name) }

// ParseConfig parses and validates config file contents; path is used in
// error messages.
func ParseConfig(path string, data []byte) (*Config, error) {
	return envconfig.ParseConfig(path, data)
}
