package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// execMarker is set in the child's environment so that a nested exec is
// noticed.
const execMarker = "COGNITO_LOGIN_EXEC_ENV"

// ExecOptions are the exec command's inputs.
type ExecOptions struct {
	App  *App
	Argv []string
	// Environ is the parent environment; default os.Environ().
	Environ []string
	// Server: instead of static credentials, run a credentials endpoint
	// for the child's lifetime and point AWS_CONTAINER_CREDENTIALS_FULL_URI
	// at it, so a long-running child gets refreshed credentials.
	Server bool
}

func newExecCmd(a *App) *cobra.Command {
	opts := &ExecOptions{App: a}
	cmd := &cobra.Command{
		Use:   "exec -- CMD [ARGS...]",
		Short: "Run a command with the session's temporary AWS credentials in its environment",
		Long: `Run CMD with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION set from the stored
session (refreshed first if due). Other AWS_* credential variables, including
AWS_PROFILE, are removed so they cannot take precedence. Signals are passed to
CMD, and cognito-login exits with CMD's exit code. It never prompts.

With --server, CMD gets no static credentials: a credentials endpoint runs on
127.0.0.1 (random port, fresh token) while CMD runs, and
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN point
the SDKs and the AWS CLI at it, so CMD keeps getting fresh credentials past
their first expiry.`,
		Example: `  cognito-login exec -- aws s3 ls s3://my-bucket
  cognito-login --env prod exec -- terraform plan
  cognito-login exec --server -- ./long-running-job`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Argv = args
			return execRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&opts.Server, "server", false, "serve refreshed credentials to CMD from a local endpoint instead of setting static ones")
	return cmd
}

// staleAWSVars are removed from the child's environment: any of them could
// make the child use other credentials than the ones we set.
var staleAWSVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

func execRun(ctx context.Context, opts *ExecOptions) error {
	a := opts.App
	environ := opts.Environ
	if environ == nil {
		environ = os.Environ()
	}
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, execMarker+"="); ok {
			return usagef("already inside `cognito-login exec` for env %q; run the command directly, or unset %s to nest on purpose", v, execMarker)
		}
	}
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	creds, _, err := client.Credentials(ctx)
	if err != nil {
		return err
	}
	env := make([]string, 0, len(environ)+8)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		stale := false
		for _, s := range staleAWSVars {
			stale = stale || name == s
		}
		if !stale {
			env = append(env, kv)
		}
	}
	region := client.Env().Region
	env = append(env, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region, execMarker+"="+client.Env().Name)
	if !opts.Server {
		env = append(env,
			"AWS_ACCESS_KEY_ID="+creds.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
			"AWS_SESSION_TOKEN="+creds.SessionToken,
			"AWS_CREDENTIAL_EXPIRATION="+creds.Expires.UTC().Format(time.RFC3339),
		)
		return runChild(a, opts.Argv, env)
	}
	srv, err := startCredentialsServer("127.0.0.1:0", sessionCredentials(client), a.logger(), func(msg string) {
		fmt.Fprintf(a.IO.ErrOut, "cognito-login: exec: %s\n", msg)
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	env = append(env, containerURIVar+"="+srv.URL(), containerTokenVar+"="+srv.Token())
	return runChild(a, opts.Argv, env)
}

// runChild runs argv with env and the app's streams, forwarding signals, and
// returns its exit status as an *exitError.
func runChild(a *App, argv []string, env []string) error {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("exec: %s: command not found", argv[0])
	}
	c := exec.Command(path, argv[1:]...)
	c.Args[0] = argv[0]
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = a.IO.In, a.IO.Out, a.IO.ErrOut
	if err := c.Start(); err != nil {
		return fmt.Errorf("exec: starting %s: %w", argv[0], err)
	}
	// Forward signals to the child; it decides how to stop.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = c.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = c.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if code < 0 {
			code = 128 + signalNumber(ee)
		}
		return &exitError{code: code}
	}
	if err != nil {
		return fmt.Errorf("exec: %s: %w", argv[0], err)
	}
	return nil
}
