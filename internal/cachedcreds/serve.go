package cachedcreds

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/envconfig"
	"github.com/loginwithcognito/cognitologin/internal/privfile"
	"github.com/loginwithcognito/cognitologin/internal/sessiondata"
)

// DelegatedEnv, set in a cognito-login process's environment, means that
// the cache has already been judged (by cognito-login-credentials, which
// sets it when it runs cognito-login in its place) and the full program
// must answer: internal/earlycreds steps aside. Tests and bench/run set it
// to time or compare the full program's own answer.
const DelegatedEnv = "COGNITO_LOGIN_CREDENTIALS_DELEGATED"

// Request is a parsed `credentials` command line that Serve can answer.
type Request struct {
	ConfigPath string // --config
	EnvName    string // --env, -e
	Format     string // --format, -f
}

// ParseArgs parses the flags of `cognito-login credentials` that Serve
// understands: --config, --env/-e and --format/-f, each as "--flag value"
// or "--flag=value" (and "-evalue"). Anything else (--guest, --debug,
// --help, an argument, an unknown format) gives ok false: the full command
// handles it, with its own messages.
func ParseArgs(args []string) (r Request, ok bool) {
	r.Format = Formats[0]
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var name, val string
		hasVal := false
		switch {
		case strings.HasPrefix(a, "--"):
			name, val, hasVal = strings.Cut(a[2:], "=")
		case len(a) >= 2 && a[0] == '-' && (a[1] == 'e' || a[1] == 'f'):
			name, val, hasVal = a[1:2], a[2:], len(a) > 2
			val = strings.TrimPrefix(val, "=")
		default:
			return r, false
		}
		switch name {
		case "config":
		case "env", "e":
			name = "env"
		case "format", "f":
			name = "format"
		default:
			return r, false
		}
		if seen[name] { // pflag keeps the last; rare enough to leave to it
			return r, false
		}
		seen[name] = true
		if !hasVal {
			if i+1 >= len(args) {
				return r, false
			}
			i++
			val = args[i]
		}
		switch name {
		case "config":
			r.ConfigPath = val
		case "env":
			r.EnvName = val
		case "format":
			r.Format = val
		}
	}
	if !ValidFormat(r.Format) || (seen["config"] && r.ConfigPath == "") {
		return r, false
	}
	return r, true
}

// ParseCommandLine parses a whole cognito-login command line (without the
// program name) that is the credentials command with only the flags
// ParseArgs understands; the global ones, --config and --env/-e, may also
// come before the command word, as cobra allows. Anything else gives ok
// false.
func ParseCommandLine(args []string) (r Request, ok bool) {
	var global []string
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		switch a := args[i]; {
		case a == "--config" || a == "--env" || a == "-e":
			if i+1 >= len(args) {
				return r, false
			}
			global = append(global, a, args[i+1])
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "--env=") ||
			(strings.HasPrefix(a, "-e") && len(a) > 2):
			global = append(global, a)
		default:
			return r, false
		}
	}
	if i >= len(args) || args[i] != "credentials" {
		return r, false
	}
	return ParseArgs(append(global, args[i+1:]...))
}

// ServeTo writes to w what Serve returns for r at now. served is false
// when Serve leaves r to the full command; then nothing is written.
func ServeTo(w io.Writer, r Request, now time.Time) (served bool, err error) {
	out, ok := Serve(r, now)
	if !ok {
		return false, nil
	}
	_, err = w.Write(out)
	return true, err
}

// errDelegate stops a read whose outcome the full command must handle.
var errDelegate = errors.New("left to cognito-login")

// Serve returns what `cognito-login credentials` would print for r, at
// now, when that is the session's cached credentials as they stand: the
// config loads and names the env, the env keeps sessions in files, the
// session file and its directory are private to the user, the session
// decodes, belongs to the env's pools, is not stale, and holds credentials
// valid beyond the renewal window. Otherwise ok is false and nothing is
// changed anywhere: the full command refreshes, repairs permissions, or
// explains. The environment variables are read as the full command reads
// them.
func Serve(r Request, now time.Time) (out []byte, ok bool) {
	env, err := envconfig.LoadEnv(r.ConfigPath, r.EnvName)
	if err != nil || env.SessionStore != "file" {
		return nil, false
	}
	dir, err := envconfig.DefaultCacheDir()
	if err != nil {
		return nil, false
	}
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || !privfile.IsPrivate(fi.Mode()) {
		return nil, false
	}
	data, err := privfile.Read(filepath.Join(dir, env.Name+".json"), func(mode fs.FileMode, _ func(fs.FileMode) error) error {
		if !privfile.IsPrivate(mode) {
			return errDelegate
		}
		return nil
	})
	if err != nil {
		return nil, false
	}
	s, err := sessiondata.DecodeSession(data)
	if err != nil || s.Unusable(env) != "" {
		return nil, false
	}
	window := env.ExpiryWindow
	if window <= 0 {
		window = envconfig.DefaultExpiryWindow
	}
	if !s.Credentials.ValidFor(now.Add(s.ClockSkew), window) {
		return nil, false
	}
	c := s.Credentials
	var buf bytes.Buffer
	if err := Write(&buf, r.Format, Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: true, Expires: c.Expiration,
	}, env.Region, s.IdentityID); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
