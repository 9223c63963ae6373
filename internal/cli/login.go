package cli

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/loginwithcognito/cognitologin/userpool"
)

// LoginOptions are the login command's inputs.
type LoginOptions struct {
	App              *App
	Username         string
	PasswordStdin    bool
	NewPasswordStdin bool
}

func newLoginCmd(a *App) *cobra.Command {
	opts := &LoginOptions{App: a}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in, answer the pool's challenges, and store the session",
		Long: `Sign in to the environment's user pool (SRP by default: the password never
leaves this machine), get temporary AWS credentials from its identity pool, and
store the session so that credentials, exec and ls work without the password
until the refresh token expires.

The password is read without echo from the terminal, or as the first line of
standard input with --password-stdin. If the pool asks for a new password
(NEW_PASSWORD_REQUIRED, typical on a first sign-in), it is asked for on the
terminal, or read as the next line of standard input with --new-password-stdin.`,
		Example: `  cognito-login login -u alice
  printf '%s\n' "$PASSWORD" | cognito-login login -u alice --password-stdin
  printf '%s\n%s\n' "$TEMP_PASSWORD" "$NEW_PASSWORD" | cognito-login login -u alice --password-stdin --new-password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return loginRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Username, "username", "u", "", "user name or alias (default: the env's username, or asked)")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().BoolVar(&opts.NewPasswordStdin, "new-password-stdin", false, "if the pool requires a new password, read it from the next line of standard input")
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	a := opts.App
	env, err := a.env()
	if err != nil {
		return err
	}
	var stdin *bufio.Reader
	if opts.PasswordStdin || opts.NewPasswordStdin {
		stdin = bufio.NewReader(a.IO.In)
	}
	user := opts.Username
	if user == "" {
		user = env.Username
	}
	if user == "" {
		if !a.IO.InIsTerminal || opts.PasswordStdin {
			return usagef("no user name: pass -u USER or set username in the env %q", env.Name)
		}
		if user, err = a.Prompter.Input("Username: "); err != nil {
			return err
		}
		if user == "" {
			return usagef("no user name given")
		}
	}
	var password string
	switch {
	case opts.PasswordStdin:
		if password, err = readLine(stdin); err != nil {
			return usagef("--password-stdin: no password on standard input (%v)", err)
		}
	case a.IO.InIsTerminal:
		if password, err = a.Prompter.Secret(fmt.Sprintf("Password for %s: ", user)); err != nil {
			return err
		}
	default:
		return usagef("standard input is not a terminal, so the password cannot be asked for: pass --password-stdin and write it to standard input")
	}
	if password == "" {
		return usagef("empty password")
	}

	handler := func(ctx context.Context, ch *userpool.Challenge) (*userpool.Answer, error) {
		return answerChallenge(a, opts, stdin, ch)
	}
	client, err := a.client(handler)
	if err != nil {
		return err
	}
	flow := "SRP"
	if env.AuthFlow == "password" {
		flow = "USER_PASSWORD_AUTH"
	}
	fmt.Fprintf(a.IO.ErrOut, "Signing in to %s as %s (%s)...\n", env.UserPoolID, user, flow)
	start := time.Now()
	s, err := client.Login(ctx, user, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.IO.ErrOut, "Signed in to env %q as %s in %s; identity %s.\n", env.Name, s.Username, time.Since(start).Round(time.Millisecond), s.IdentityID)
	fmt.Fprintf(a.IO.ErrOut, "Credentials expire at %s (in %s); they renew without the password until the refresh token expires.\n",
		s.Credentials.Expiration.Local().Format(time.RFC3339), time.Until(s.Credentials.Expiration).Round(time.Minute))
	return nil
}

// answerChallenge is the CLI's challenge handler: the terminal when there is
// one, else the --*-stdin flags, else an error naming the flag (exit 5).
func answerChallenge(a *App, opts *LoginOptions, stdin *bufio.Reader, ch *userpool.Challenge) (*userpool.Answer, error) {
	switch ch.Name {
	case "NEW_PASSWORD_REQUIRED":
		ans := &userpool.Answer{Attributes: map[string]string{}}
		switch {
		case opts.NewPasswordStdin:
			pw, err := readLine(stdin)
			if err != nil || pw == "" {
				return nil, &userpool.ChallengeError{Challenge: ch.Name, Reason: "--new-password-stdin: no new password on the line after the password"}
			}
			ans.NewPassword = pw
		case a.IO.InIsTerminal && !opts.PasswordStdin:
			fmt.Fprintln(a.IO.ErrOut, "The user pool requires a new password.")
			for {
				pw, err := a.Prompter.Secret("New password: ")
				if err != nil {
					return nil, err
				}
				again, err := a.Prompter.Secret("New password again: ")
				if err != nil {
					return nil, err
				}
				if pw != "" && pw == again {
					ans.NewPassword = pw
					break
				}
				fmt.Fprintln(a.IO.ErrOut, "The passwords differ or are empty; try again.")
			}
		default:
			return nil, &userpool.ChallengeError{Challenge: ch.Name, Reason: "a new password must be set: pass --new-password-stdin and write it on the line after the password"}
		}
		for _, attr := range ch.RequiredAttributes {
			if !a.IO.InIsTerminal || opts.PasswordStdin {
				return nil, &userpool.ChallengeError{Challenge: ch.Name, Reason: fmt.Sprintf("the pool requires attribute %q, which only an interactive login can ask for", attr)}
			}
			v, err := a.Prompter.Input(fmt.Sprintf("%s: ", attr))
			if err != nil {
				return nil, err
			}
			ans.Attributes[attr] = v
		}
		return ans, nil
	}
	return nil, &userpool.ChallengeError{Challenge: ch.Name, Reason: "this version of cognito-login cannot answer it yet"}
}
