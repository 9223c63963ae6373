// Package cli is the cognito-login command line: one file per command, each
// with an Options struct (IO streams and a prompter injected, so tests drive
// it directly) and a run function. Errors become exit codes in one place,
// ExitCode.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
	"github.com/loginwithcognito/cognitologin/sessionstore"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// Exit codes, as DESIGN.md fixes them.
const (
	ExitOK             = 0
	ExitError          = 1
	ExitUsage          = 2
	ExitLoginRequired  = 3
	ExitSignInRefused  = 4
	ExitChallengeInput = 5
)

// IOStreams are the command's standard streams. Stdout carries only what a
// script consumes; messages for people go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InIsTerminal reports whether In is an interactive terminal.
	InIsTerminal bool
}

// App holds what every command shares: streams, prompter, global flags, and
// seams for tests (environment, AWS config, store).
type App struct {
	IO       *IOStreams
	Prompter Prompter
	Getenv   func(string) string

	// Global flags.
	EnvName    string
	ConfigPath string
	Debug      bool

	// AWSConfig, when set, replaces config.LoadDefaultConfig (demo and
	// tests point it at an emulator).
	AWSConfig *aws.Config
	// Store, when set, replaces the file store in the cache dir.
	Store sessionstore.Store
	// EnvOverride, when set, is used instead of loading a config file.
	EnvOverride *cognitologin.Env
	// Now, when set, is the clock (tests move it to make sessions due).
	Now func() time.Time
	// OpenBrowser, when set, replaces opening the system browser.
	OpenBrowser func(url string) error
}

// openBrowser opens url in the system browser.
func (a *App) openBrowser(url string) error {
	if a.OpenBrowser != nil {
		return a.OpenBrowser(url)
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

// usageError marks a mistake in flags or arguments (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitError carries an explicit exit code (exec's child status).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	var ue *usageError
	var ce *cognitologin.ConfigError
	var che *userpool.ChallengeError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue), errors.As(err, &ce),
		// The app client's settings and the config disagree: a config fix.
		errors.Is(err, userpool.ErrSecretHash), errors.Is(err, userpool.ErrFlowNotEnabled):
		return ExitUsage
	case errors.Is(err, cognitologin.ErrLoginRequired):
		return ExitLoginRequired
	case errors.As(err, &che):
		return ExitChallengeInput
	case errors.Is(err, userpool.ErrIncorrectCredentials), errors.Is(err, userpool.ErrUserNotFound),
		errors.Is(err, userpool.ErrUserDisabled), errors.Is(err, userpool.ErrPasswordResetRequired),
		errors.Is(err, userpool.ErrUserNotConfirmed):
		return ExitSignInRefused
	}
	return ExitError
}

// Main runs cognito-login with the process's arguments and streams.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	streams := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, InIsTerminal: isTerminal(os.Stdin)}
	app := &App{IO: streams, Prompter: newTermPrompter(os.Stdin, os.Stderr), Getenv: os.Getenv}
	return app.Run(ctx, os.Args[1:])
}

// Run executes one command line and returns the exit code. Errors are
// printed to ErrOut.
func (a *App) Run(ctx context.Context, args []string) int {
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	root := a.newRootCmd()
	root.SetArgs(args)
	root.SetIn(a.IO.In)
	root.SetOut(a.IO.ErrOut) // help and usage are for people
	root.SetErr(a.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command ") {
		err = usagef("%v (see cognito-login --help)", err)
	}
	code := ExitCode(err)
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return code
	}
	fmt.Fprintf(a.IO.ErrOut, "cognito-login: %s\n", err)
	if code == ExitLoginRequired {
		fmt.Fprintf(a.IO.ErrOut, "Run: %s\n", a.loginCommand())
	}
	return code
}

func (a *App) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "cognito-login",
		Short: "Temporary AWS credentials for a person in an Amazon Cognito user pool",
		Long: `cognito-login signs a person in to an Amazon Cognito user pool (SRP: the password
never leaves the machine), exchanges the tokens through an identity pool for
temporary AWS credentials, keeps the session, and hands the credentials to the
AWS CLI (credential_process), to any command (exec), or to a shell (exports).

Try it with no AWS account:  cognito-login demo`,
		Example: `  cognito-login login -u alice
  cognito-login ls my-bucket/reports/
  cognito-login exec -- aws s3 ls
  eval "$(cognito-login credentials --format env)"

  # ~/.aws/config
  [profile cognito]
  credential_process = cognito-login-credentials --env dev`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&a.EnvName, "env", "e", "", "environment to use (default: $COGNITO_LOGIN_ENV, default_env, or the only one)")
	root.PersistentFlags().StringVar(&a.ConfigPath, "config", "", "config file (default: $COGNITO_LOGIN_CONFIG or <user config dir>/cognito-login/config.toml)")
	root.PersistentFlags().BoolVar(&a.Debug, "debug", false, "log each step (operations, timings; never secrets) to stderr")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s: %v (see %s --help)", c.CommandPath(), err, c.CommandPath())
	})
	defer usageArgs(root)
	root.AddCommand(
		newLoginCmd(a), newCredentialsCmd(a), newExecCmd(a), newLsCmd(a), newLogoutCmd(a),
		newStatusCmd(a), newDemoCmd(a), newEmulatorCmd(a), newVersionCmd(a), newServeCmd(a),
		newMFACmd(a), newDevicesCmd(a), newPasswordCmd(a), newConfigureCmd(a),
	)
	return root
}

// usageArgs makes every command's argument-count errors usage errors
// (exit 2), with a pointer to --help, as flag errors already are.
func usageArgs(c *cobra.Command) {
	if orig := c.Args; orig != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := orig(cmd, args); err != nil {
				return usagef("%s: %v (see %s --help)", cmd.CommandPath(), err, cmd.CommandPath())
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// logger returns the --debug logger (stderr) or a discarding one.
func (a *App) logger() *slog.Logger {
	if !a.Debug {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(a.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// env loads the config and selects the environment.
func (a *App) env() (*cognitologin.Env, error) {
	if a.EnvOverride != nil {
		e := *a.EnvOverride
		return &e, nil
	}
	return cognitologin.LoadEnv(a.ConfigPath, a.EnvName)
}

// client builds the library client for the selected env.
func (a *App) client(handler userpool.ChallengeHandler) (*cognitologin.Client, error) {
	env, err := a.env()
	if err != nil {
		return nil, err
	}
	store := a.Store
	if store == nil {
		dir, err := cognitologin.DefaultCacheDir()
		if err != nil {
			return nil, err
		}
		st, err := cognitologin.OpenStore(*env, dir, func(msg string) {
			fmt.Fprintf(a.IO.ErrOut, "cognito-login: warning: %s\n", msg)
		})
		if err != nil {
			return nil, err
		}
		store = st
	}
	return cognitologin.New(*env, func(o *cognitologin.Options) {
		o.Store = store
		o.Handler = handler
		o.Logger = a.logger()
		o.AWSConfig = a.AWSConfig
		o.Now = a.Now
	})
}

// loginCommand is the exact command to run to sign in again.
func (a *App) loginCommand() string { return a.commandPrefix() + " login" }

// commandPrefix is "cognito-login" with the global flags this invocation
// was given, for commands a message tells the user to run.
func (a *App) commandPrefix() string {
	parts := []string{"cognito-login"}
	if a.ConfigPath != "" {
		parts = append(parts, "--config", shellQuote(a.ConfigPath))
	}
	if a.EnvName != "" {
		parts = append(parts, "--env", shellQuote(a.EnvName))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string { return cachedcreds.ShellQuote(s) }

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

func newVersionCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(a.IO.Out, Version)
			return nil
		},
	}
}
