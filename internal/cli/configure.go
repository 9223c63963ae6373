package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/internal/envconfig"
	"github.com/loginwithcognito/cognitologin/internal/privfile"
)

// ConfigureOptions are the configure command's inputs.
type ConfigureOptions struct {
	App     *App
	Set     []string // KEY=VALUE
	Unset   []string
	Default bool
	NoInput bool
}

// configurePrompts are the keys configure asks for on a terminal, in order:
// the pool id first, since it gives the region.
var configurePrompts = []struct {
	key, label string
	required   bool
}{
	{"user_pool_id", "User pool id (e.g. eu-west-1_AbC123xyz)", true},
	{"region", "Region", true},
	{"client_id", "App client id", true},
	{"identity_pool_id", "Identity pool id (e.g. eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9)", true},
	{"bucket", "S3 bucket for `ls` (optional)", false},
	{"username", "Default username (optional)", false},
}

func newConfigureCmd(a *App) *cobra.Command {
	opts := &ConfigureOptions{App: a}
	cmd := &cobra.Command{
		Use:   "configure",
		Short: "Create or edit an environment in the config file",
		Long: `Create an environment in the config file, or change one. On a terminal it asks
for the user pool id, region (taken from the pool id), app client id, identity
pool id, and optionally a bucket and a default username, offering the current
values; --set KEY=VALUE sets any key without asking (and, with --no-input or
when stdin is not a terminal, only --set and --unset are used).

Only the environment's own lines change: comments, other environments and the
order of keys stay as they are. Values are checked before anything is written;
the file is replaced atomically with mode 0600 (through a symlink, the file it
points to). The environment is --env, else $COGNITO_LOGIN_ENV, else default_env
or the only one, else "default".

Keys: ` + strings.Join(envconfig.KnownKeys(), ", ") + `.
A client secret is better kept in $COGNITO_LOGIN_CLIENT_SECRET than in the file.`,
		Example: `  cognito-login --env dev configure
  cognito-login --env dev configure --set user_pool_id=eu-west-1_AbC123xyz \
      --set client_id=4h5j6k7l8m9n0p1q2r3s4t5u6v \
      --set identity_pool_id=eu-west-1:0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9
  cognito-login --env dev configure --set bucket=reports --unset username
  cognito-login --env prod configure --default --no-input`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return configureRun(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Set, "set", nil, "set KEY=VALUE (repeatable; scopes as a comma-separated list)")
	cmd.Flags().StringArrayVar(&opts.Unset, "unset", nil, "remove KEY (repeatable)")
	cmd.Flags().BoolVar(&opts.Default, "default", false, "make this environment the default_env")
	cmd.Flags().BoolVar(&opts.NoInput, "no-input", false, "never prompt, even on a terminal")
	return cmd
}

func configureRun(opts *ConfigureOptions) error {
	a := opts.App
	path, err := envconfig.ConfigPath(a.ConfigPath)
	if err != nil {
		return err
	}
	// Through a symlink (dotfile managers link config files), edit the
	// file it points to, and keep the link.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return &cognitologin.ConfigError{File: path, Msg: fmt.Sprintf("cannot read: %v", err)}
	case len(data) > 1<<20:
		return &cognitologin.ConfigError{File: path, Msg: "is larger than a config file can be (1 MiB)"}
	}

	set := map[string]string{}
	for _, kv := range opts.Set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usagef("--set takes KEY=VALUE, and one of them has no '=' (not repeated here: it may hold the client secret); want KEY=VALUE, e.g. --set bucket=reports")
		}
		set[strings.TrimSpace(k)] = v
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !envconfig.IsKnownKey(k) {
			return usagef("configure: %q is not a key of an environment (known: %s)", k, strings.Join(envconfig.KnownKeys(), ", "))
		}
	}

	interactive := a.IO.InIsTerminal && !opts.NoInput
	name, err := configureEnvName(a, data, interactive)
	if err != nil {
		return err
	}
	current, exists, err := envconfig.EnvValues(data, name)
	if err != nil {
		return &cognitologin.ConfigError{File: path, Msg: err.Error() + "; fix it by hand first"}
	}
	if current == nil {
		current = map[string]string{}
	}
	for _, k := range opts.Unset {
		// An unknown key may be unset when it is in the file: a misspelling.
		if _, there := current[k]; !there && !envconfig.IsKnownKey(k) {
			return usagef("configure: %q is not a key of an environment (known: %s)", k, strings.Join(envconfig.KnownKeys(), ", "))
		}
	}

	values := map[string]string{}
	for k, v := range current {
		values[k] = v
	}
	for k, v := range set {
		values[k] = v
	}
	for _, k := range opts.Unset {
		delete(values, k)
	}
	if values["region"] == "" {
		values["region"] = regionOf(values["user_pool_id"])
	}

	// The first env of a file becomes its default, so that adding a second
	// one later does not leave commands without an env to use.
	defaultEnv, envs, _ := envconfig.Outline(data)
	makeDefault := opts.Default || (defaultEnv == "" && len(envs) == 0)
	edit := func() ([]byte, error) {
		e := envconfig.Edit{Env: name, Set: map[string]string{}, Default: makeDefault}
		for k, v := range values {
			if old, ok := current[k]; (!ok || old != v) && v != "" {
				e.Set[k] = v
			}
		}
		for k := range current {
			if values[k] == "" {
				e.Unset = append(e.Unset, k)
			}
		}
		out, err := envconfig.ApplyEdit(data, e)
		if err != nil {
			var ce *cognitologin.ConfigError
			if errors.As(err, &ce) && ce.File == "" {
				ce.File = path
			}
			if errors.Is(err, envconfig.ErrEditByHand) {
				return nil, &cognitologin.ConfigError{File: path, Env: name, Msg: err.Error()}
			}
			return nil, err
		}
		_, err = cognitologin.ParseConfig(path, out)
		return out, err
	}

	var out []byte
	if interactive {
		fmt.Fprintf(a.IO.ErrOut, "Configuring env %q in %s. Enter keeps the value in brackets; '-' clears an optional one.\n", name, path)
		var pending []int // indexes into configurePrompts
		for i, p := range configurePrompts {
			if _, given := set[p.key]; !given {
				pending = append(pending, i)
			}
		}
		for attempt := 0; ; attempt++ {
			for _, i := range pending {
				p := configurePrompts[i]
				if r := regionOf(values["user_pool_id"]); p.key == "region" && r != "" {
					values["region"] = r // the pool's region, whatever was there
				}
				ans, err := a.Prompter.Input(fmt.Sprintf("%s [%s]: ", p.label, values[p.key]))
				if err != nil {
					return err
				}
				switch ans = strings.TrimSpace(ans); {
				case ans == "-" && !p.required:
					values[p.key] = ""
				case ans != "":
					values[p.key] = ans
				}
			}
			out, err = edit()
			var ce *cognitologin.ConfigError
			if err == nil || attempt == 4 || !errors.As(err, &ce) || ce.Env != name {
				break
			}
			// Ask again for the key that is wrong, and only for it; for
			// regions that disagree, for all three keys that carry one, since
			// any of them may be the mistake.
			regional := []string{"user_pool_id", "region", "identity_pool_id"}
			again := []string{ce.Key}
			if slices.Contains(regional, ce.Key) && strings.Contains(ce.Msg, "region") {
				again = regional
			}
			pending = pending[:0]
			for i, p := range configurePrompts {
				if slices.Contains(again, p.key) {
					pending = append(pending, i)
				}
			}
			if len(pending) == 0 {
				break
			}
			fmt.Fprintf(a.IO.ErrOut, "%s: %s\n", ce.Key, ce.Msg)
		}
	} else {
		out, err = edit()
	}
	if err != nil {
		var ce *cognitologin.ConfigError
		if errors.As(err, &ce) && ce.Env == name && ce.Key != "" && !strings.Contains(ce.Msg, "--set") {
			ce.Msg += fmt.Sprintf(" (set it with: %s configure --set %s=VALUE)", a.commandPrefixFor(name), ce.Key)
		}
		return err
	}

	if exists && string(out) == string(data) {
		fmt.Fprintf(a.IO.ErrOut, "No change to env %q in %s.\n", name, path)
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &cognitologin.ConfigError{File: path, Msg: fmt.Sprintf("cannot create its directory: %v", err)}
	}
	if err := privfile.WriteAtomic(dir, path, "."+filepath.Base(path)+".tmp-*", out); err != nil {
		return &cognitologin.ConfigError{File: path, Msg: fmt.Sprintf("cannot write: %v", err)}
	}
	verb := "Updated"
	if !exists {
		verb = "Added"
	}
	fmt.Fprintf(a.IO.ErrOut, "%s env %q in %s.\n", verb, name, path)
	if _, ok := set["client_secret"]; ok {
		fmt.Fprintf(a.IO.ErrOut, "Note: the client secret is now stored in %s (mode 0600); %s keeps it out of the file.\n", path, cognitologin.EnvClientSecret)
	}
	fmt.Fprintf(a.IO.ErrOut, "Next: %s login\n", a.commandPrefixFor(name))
	return nil
}

// configureEnvName picks the env to configure: --env, $COGNITO_LOGIN_ENV,
// the file's default_env or only env, or on a terminal what the person
// types, else "default".
func configureEnvName(a *App, data []byte, interactive bool) (string, error) {
	if a.EnvName != "" {
		return a.EnvName, nil
	}
	if n := a.Getenv(cognitologin.EnvEnvName); n != "" {
		return n, nil
	}
	guess := "default"
	if defaultEnv, envs, err := envconfig.Outline(data); err == nil {
		switch {
		case defaultEnv != "":
			guess = defaultEnv
		case len(envs) == 1:
			guess = envs[0]
		}
	}
	if !interactive {
		return guess, nil
	}
	ans, err := a.Prompter.Input(fmt.Sprintf("Environment name [%s]: ", guess))
	if err != nil {
		return "", err
	}
	if ans = strings.TrimSpace(ans); ans != "" {
		return ans, nil
	}
	return guess, nil
}

// regionOf returns the region of a well-formed user pool id, or "".
func regionOf(userPoolID string) string {
	region, _ := envconfig.UserPoolRegion(userPoolID)
	return region
}

// commandPrefixFor is commandPrefix with --env name, for the next command
// to run after configuring name.
func (a *App) commandPrefixFor(name string) string {
	b := *a
	b.EnvName = name
	return b.commandPrefix()
}
