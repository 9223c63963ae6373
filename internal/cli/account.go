package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loginwithcognito/cognitologin/userpool"
)

func newMFACmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa",
		Short: "Set up an authenticator app, or choose the MFA the pool asks for",
		Args:  cobra.NoArgs,
	}
	var code string
	setup := &cobra.Command{
		Use:   "setup",
		Short: "Add an authenticator app (TOTP) for the signed-in user and make it the preferred MFA",
		Long: `Associate an authenticator app with the signed-in user: the secret is shown as a
QR code and as text; the app's first code confirms it, and TOTP becomes the
user's preferred MFA. Without a terminal, the first run prints the secret and
a second run with --code finishes (within a few minutes).`,
		Example: `  cognito-login mfa setup
  cognito-login mfa setup --code 123456`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return mfaSetupRun(cmd.Context(), a, code)
		},
	}
	setup.Flags().StringVar(&code, "code", "", "the authenticator's current code, for a non-interactive setup")
	prefer := &cobra.Command{
		Use:   "prefer TYPE",
		Short: "Enable an MFA type for the signed-in user and make it the preferred one",
		Long: `Enable TYPE (SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP) for the signed-in user and
make it the one the pool asks for. SOFTWARE_TOKEN_MFA needs an authenticator
set up first (mfa setup); SMS_MFA a verified phone number; EMAIL_OTP a verified
email address, and the pool must offer the type.`,
		Example: `  cognito-login mfa prefer SOFTWARE_TOKEN_MFA`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := a.client(nil)
			if err != nil {
				return err
			}
			t := strings.ToUpper(args[0])
			switch t {
			case userpool.MFATypeSMS, userpool.MFATypeTOTP, userpool.MFATypeEmail:
			default:
				return usagef("mfa prefer: %q is not SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP", args[0])
			}
			if err := client.SetMFAPreference(cmd.Context(), []string{t}, t); err != nil {
				return err
			}
			fmt.Fprintf(a.IO.ErrOut, "%s is now the preferred MFA.\n", t)
			return nil
		},
	}
	cmd.AddCommand(setup, prefer)
	return cmd
}

func mfaSetupRun(ctx context.Context, a *App, code string) error {
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	w := a.IO.ErrOut
	done := func() error {
		fmt.Fprintln(w, "Authenticator added; the pool will ask for its code at sign-in.")
		return nil
	}
	if code != "" {
		// Second step of a non-interactive setup: the pool verifies against
		// the secret associated last.
		if err := client.VerifyAuthenticator(ctx, code, "cognito-login"); err != nil {
			return err
		}
		return done()
	}
	secret, uri, err := client.SetupAuthenticator(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Scan this QR code with your authenticator app, or enter the secret by hand:")
	if err := writeQR(w, uri); err != nil {
		fmt.Fprintln(w, err)
	}
	fmt.Fprintf(w, "Secret: %s\n", secret)
	if !a.IO.InIsTerminal {
		fmt.Fprintf(w, "Then run: %s mfa setup --code CODE\n", a.commandPrefix())
		return nil
	}
	for tries := 0; ; tries++ {
		c, err := a.Prompter.Input("Code shown by the app: ")
		if err != nil {
			return err
		}
		err = client.VerifyAuthenticator(ctx, strings.TrimSpace(c), "cognito-login")
		if err == nil {
			return done()
		}
		if tries >= 2 {
			return err
		}
		fmt.Fprintf(w, "%v\nTry again.\n", err)
	}
}

func newDevicesCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List the devices the user pool tracks for the signed-in user",
		Long: `List the signed-in user's devices: key, name, whether remembered (a remembered
device can skip MFA), and when it last signed in. "devices forget" removes one.`,
		Example: `  cognito-login devices
  cognito-login devices forget us-east-1_0f1e2d3c-...
  cognito-login devices forget --this`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := a.client(nil)
			if err != nil {
				return err
			}
			list, this, err := client.Devices(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(a.IO.ErrOut, "No devices.")
			}
			for _, d := range list {
				mark := ""
				if d.Key == this {
					mark = " (this device)"
				}
				last := "-"
				if !d.LastAuthenticated.IsZero() {
					last = d.LastAuthenticated.UTC().Format(time.RFC3339)
				}
				rem := "not remembered"
				if d.Remembered {
					rem = "remembered"
				}
				fmt.Fprintf(a.IO.Out, "%s\t%s\t%s\t%s%s\n", d.Key, orDefault(d.Name, "-"), rem, last, mark)
			}
			return nil
		},
	}
	var thisOne bool
	forget := &cobra.Command{
		Use:   "forget [DEVICE_KEY]",
		Short: "Make the user pool forget a device (it will ask for MFA there again)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := a.client(nil)
			if err != nil {
				return err
			}
			key := ""
			if len(args) == 1 {
				key = args[0]
			}
			if thisOne {
				_, this, err := client.Devices(cmd.Context())
				if err != nil {
					return err
				}
				if this == "" {
					return usagef("devices forget --this: this session has no device")
				}
				key = this
			}
			if key == "" {
				return usagef("devices forget: give a DEVICE_KEY (see `cognito-login devices`) or --this")
			}
			if err := client.ForgetDevice(cmd.Context(), key); err != nil {
				return err
			}
			fmt.Fprintf(a.IO.ErrOut, "Forgot device %s.\n", key)
			return nil
		},
	}
	forget.Flags().BoolVar(&thisOne, "this", false, "forget the device this session uses")
	cmd.AddCommand(forget)
	return cmd
}

func newPasswordCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Reset a forgotten password, or change the signed-in user's password",
		Args:  cobra.NoArgs,
	}
	var user, code string
	var newStdin bool
	reset := &cobra.Command{
		Use:   "reset",
		Short: "Set a new password with a code the pool sends (forgotten password, or a reset by an administrator)",
		Long: `Ask the pool to send a code (by email or SMS), then set a new password with it.
On a terminal both steps happen in one run. In scripts: the first run (without
--code) sends the code; the second gives --code and the new password on
standard input.`,
		Example: `  cognito-login password reset -u alice
  cognito-login password reset -u alice                                     # sends the code
  printf '%s\n' "$NEW" | cognito-login password reset -u alice --code 123456 --new-password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return passwordResetRun(cmd.Context(), a, user, code, newStdin)
		},
	}
	reset.Flags().StringVarP(&user, "username", "u", "", "user name (default: the env's username)")
	reset.Flags().StringVar(&code, "code", "", "the code the pool sent")
	reset.Flags().BoolVar(&newStdin, "new-password-stdin", false, "read the new password from standard input")
	var pwStdin bool
	change := &cobra.Command{
		Use:   "change",
		Short: "Change the signed-in user's password",
		Example: `  cognito-login password change
  printf '%s\n%s\n' "$OLD" "$NEW" | cognito-login password change --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return passwordChangeRun(cmd.Context(), a, pwStdin)
		},
	}
	change.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the current and the new password from two lines of standard input")
	cmd.AddCommand(reset, change)
	return cmd
}

// askNewPassword asks twice on the terminal.
func askNewPassword(a *App) (string, error) {
	for tries := 0; tries < 3; tries++ {
		pw, err := a.Prompter.Secret("New password: ")
		if err != nil {
			return "", err
		}
		again, err := a.Prompter.Secret("New password again: ")
		if err != nil {
			return "", err
		}
		if pw != "" && pw == again {
			return pw, nil
		}
		fmt.Fprintln(a.IO.ErrOut, "The passwords differ or are empty; try again.")
	}
	return "", usagef("no new password given")
}

func passwordResetRun(ctx context.Context, a *App, user, code string, newStdin bool) error {
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	if user == "" {
		user = client.Env().Username
	}
	if user == "" {
		return usagef("password reset: pass -u USER or set username in the env %q", client.Env().Name)
	}
	up, err := client.UserPool(ctx)
	if err != nil {
		return err
	}
	w := a.IO.ErrOut
	if code == "" {
		d, err := up.ForgotPassword(ctx, user)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "A code was sent by %s to %s.\n", strings.ToLower(orDefault(d.Medium, "message")), orDefault(d.Destination, "the user"))
		if !a.IO.InIsTerminal || newStdin {
			fmt.Fprintf(w, "Then run: %s password reset -u %s --code CODE --new-password-stdin\n", a.commandPrefix(), shellQuote(user))
			return nil
		}
		if code, err = a.Prompter.Input("Code: "); err != nil {
			return err
		}
		code = strings.TrimSpace(code)
	}
	var pw string
	switch {
	case newStdin:
		if pw, err = readLine(bufio.NewReader(a.IO.In)); err != nil || pw == "" {
			return usagef("--new-password-stdin: no new password on standard input")
		}
	case a.IO.InIsTerminal:
		if pw, err = askNewPassword(a); err != nil {
			return err
		}
	default:
		return usagef("no terminal to ask for the new password: pass --new-password-stdin")
	}
	if err := up.ConfirmForgotPassword(ctx, user, code, pw); err != nil {
		return err
	}
	fmt.Fprintf(w, "Password set. Sign in with: %s login -u %s\n", a.commandPrefix(), shellQuote(user))
	return nil
}

func passwordChangeRun(ctx context.Context, a *App, pwStdin bool) error {
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	var old, pw string
	switch {
	case pwStdin:
		r := bufio.NewReader(a.IO.In)
		old, err = readLine(r)
		if err == nil {
			pw, err = readLine(r)
		}
		if err != nil || old == "" || pw == "" {
			return usagef("--password-stdin: want the current password and the new one on two lines")
		}
	case a.IO.InIsTerminal:
		if old, err = a.Prompter.Secret("Current password: "); err != nil {
			return err
		}
		if pw, err = askNewPassword(a); err != nil {
			return err
		}
	default:
		return usagef("no terminal to ask for passwords: pass --password-stdin")
	}
	if err := client.ChangePassword(ctx, old, pw); err != nil {
		return err
	}
	fmt.Fprintln(a.IO.ErrOut, "Password changed.")
	return nil
}
