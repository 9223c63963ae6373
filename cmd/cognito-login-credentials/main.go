// Command cognito-login-credentials prints the temporary AWS credentials of
// a cognito-login session, like `cognito-login credentials`, and is meant
// for the AWS CLI's and SDKs' credential_process, which runs it before
// every command:
//
//	[profile dev]
//	credential_process = cognito-login-credentials --env dev
//
// It takes the same --config, --env and --format flags. While the cached
// credentials are valid it answers by itself in a couple of milliseconds,
// with no network request, because it links no AWS SDK code. In every
// other case (credentials due for renewal, no session, a config mistake,
// the keyring store, any other flag) it runs `cognito-login credentials`
// with the same arguments in its place, which refreshes or explains; that
// program is looked for next to this one, then on PATH.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
)

const usage = `cognito-login-credentials prints the temporary AWS credentials of a cognito-login
session, exactly as "cognito-login credentials" does, for the AWS CLI's and SDKs'
credential_process. While the cached credentials are valid it answers by itself,
in a few milliseconds and with no network request; otherwise (credentials due for
renewal, no session, anything to fix or explain) it runs "cognito-login
credentials" with the same arguments, found next to it or on PATH.

Usage:
  cognito-login-credentials [--config FILE] [--env NAME] [--format FORMAT]

Flags:
  --config FILE     config file (default: $COGNITO_LOGIN_CONFIG or <user config dir>/cognito-login/config.toml)
  -e, --env NAME    environment (default: $COGNITO_LOGIN_ENV, default_env, or the only one)
  -f, --format F    process (default), env, fish, powershell or json
  -h, --help        this text

Example, in ~/.aws/config:
  [profile dev]
  credential_process = cognito-login-credentials --env dev

Every other flag of "cognito-login credentials" (--guest, --debug) works too: it
is passed to that command.
`

func main() {
	args := os.Args[1:]
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Print(usage)
			return
		}
		if a == "--" {
			break
		}
	}
	// cachedcreds.DelegatedEnv also marks the process started in our place,
	// so that a cognito-login on PATH that is really this program cannot
	// make a loop.
	if os.Getenv(cachedcreds.DelegatedEnv) == "" {
		if r, ok := cachedcreds.ParseArgs(args); ok {
			served, err := cachedcreds.ServeTo(os.Stdout, r, time.Now())
			if err != nil {
				fmt.Fprintf(os.Stderr, "cognito-login-credentials: write credentials: %v\n", err)
				os.Exit(1)
			}
			if served {
				return
			}
		}
	} else if full, err := fullProgram(); err == nil && sameFile(full, self()) {
		fmt.Fprintf(os.Stderr, "cognito-login-credentials: %s is this program, not cognito-login; install cognito-login (go install github.com/loginwithcognito/cognitologin/cmd/cognito-login@latest)\n", full)
		os.Exit(1)
	}
	full, err := fullProgram()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cognito-login-credentials: %v\n", err)
		os.Exit(1)
	}
	os.Setenv(cachedcreds.DelegatedEnv, "1")
	code, err := run(full, append([]string{"cognito-login", "credentials"}, args...))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cognito-login-credentials: run %s: %v\n", full, err)
		os.Exit(1)
	}
	os.Exit(code)
}

// self is this program's path, "" if unknown.
func self() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// fullProgram finds cognito-login: next to this program (also through a
// symlink to it), then on PATH.
func fullProgram() (string, error) {
	name := "cognito-login"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	var dirs []string
	if p := self(); p != "" {
		dirs = append(dirs, filepath.Dir(p))
		if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Dir(real) != dirs[0] {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, d := range dirs {
		c := filepath.Join(d, name)
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	where := "on PATH"
	if len(dirs) > 0 {
		where = "in " + dirs[0] + " or on PATH"
	}
	return "", errors.New("the cached credentials cannot be used as they are (due for renewal, no session, or something to fix), and cognito-login, which handles that, is not " +
		where + "; install it: go install github.com/loginwithcognito/cognitologin/cmd/cognito-login@latest")
}

func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
