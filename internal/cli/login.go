package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// LoginOptions are the login command's inputs.
type LoginOptions struct {
	App              *App
	Username         string
	PasswordStdin    bool
	NewPasswordStdin bool
	// Non-interactive answers to challenges.
	MFACode        string
	MFAType        string
	Answer         string
	FirstFactor    string
	RememberDevice string // "", "yes", "no"
	Resume         bool
	// Federated sign-in.
	Browser      bool
	NoBrowser    bool
	IDTokenStdin bool
	Provider     string

	stdin *bufio.Reader
}

func newLoginCmd(a *App) *cobra.Command {
	opts := &LoginOptions{App: a}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in, answer the pool's challenges, and store the session",
		Long: `Sign in to the environment's user pool (SRP by default: the password never
leaves this machine), answer what the pool asks (a new password, an MFA code
by SMS, email or authenticator app, authenticator setup, a custom challenge),
get temporary AWS credentials from its identity pool, and store the session so
that credentials, exec and ls work without the password until the refresh
token expires.

On a terminal every question is asked there (passwords without echo, a QR code
for authenticator setup). Scripts give the answers as flags; a question with no
answer ends the command with exit code 5, naming the challenge and the flag,
and the half-finished sign-in is kept for 3 minutes so that a second command
can answer it with --resume.`,
		Example: `  cognito-login login -u alice
  printf '%s\n' "$PASSWORD" | cognito-login login -u alice --password-stdin --mfa-code 123456
  printf '%s\n%s\n' "$TEMP_PASSWORD" "$NEW_PASSWORD" | cognito-login login -u alice --password-stdin --new-password-stdin

  # answer an MFA challenge from another terminal or script step:
  printf '%s\n' "$PASSWORD" | cognito-login login -u alice --password-stdin   # exit 5: SMS_MFA
  cognito-login login --resume --mfa-code 123456`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return loginRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Username, "username", "u", "", "user name or alias (default: the env's username, or asked)")
	f.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	f.BoolVar(&opts.NewPasswordStdin, "new-password-stdin", false, "if the pool requires a new password, read it from the next line of standard input")
	f.StringVar(&opts.MFACode, "mfa-code", "", "the code for SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP or SMS_OTP, or an authenticator's first code during MFA setup")
	f.StringVar(&opts.MFAType, "mfa-type", "", "the MFA to use when the pool lets the user choose (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP)")
	f.StringVar(&opts.Answer, "answer", "", "the answer to a custom challenge (CUSTOM_CHALLENGE)")
	f.StringVar(&opts.FirstFactor, "first-factor", "", "choice-based sign-in: PASSWORD_SRP, PASSWORD, EMAIL_OTP or SMS_OTP")
	f.StringVar(&opts.RememberDevice, "remember-device", "", "when the pool asks whether to remember this device: yes or no")
	f.BoolVar(&opts.Resume, "resume", false, "answer the challenge a previous login stopped at (within 3 minutes)")
	f.BoolVar(&opts.Browser, "browser", false, "sign in through the user pool's hosted UI in the system browser (Google, SAML, OIDC...)")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, "like --browser, but print the URL to open instead of opening a browser")
	f.BoolVar(&opts.IDTokenStdin, "id-token-stdin", false, "use an ID token from another identity provider, read from standard input (with --provider)")
	f.StringVar(&opts.Provider, "provider", "", "the identity pool's name for the provider of --id-token-stdin, e.g. accounts.google.com")
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	a := opts.App
	env, err := a.env()
	if err != nil {
		return err
	}
	switch opts.RememberDevice {
	case "", "yes", "no":
	default:
		return usagef("--remember-device %q: want yes or no", opts.RememberDevice)
	}
	if opts.PasswordStdin || opts.NewPasswordStdin {
		opts.stdin = bufio.NewReader(a.IO.In)
	}
	handler := func(ctx context.Context, ch *userpool.Challenge) (*userpool.Answer, error) {
		return answerChallenge(a, opts, ch)
	}
	client, err := a.client(handler)
	if err != nil {
		return err
	}
	if env.AuthFlow != "password" && !opts.Resume && !opts.Browser && !opts.NoBrowser && !opts.IDTokenStdin {
		// SRP's first half needs no password: do it while it is typed.
		go client.PrepareSignIn(ctx)
	}
	start := time.Now()
	var s *cognitologin.Session
	switch {
	case opts.Browser || opts.NoBrowser:
		if opts.Resume || opts.PasswordStdin || opts.IDTokenStdin {
			return usagef("--browser signs in through the hosted UI: it takes no --resume, --password-stdin or --id-token-stdin")
		}
		return loginBrowser(ctx, opts, client, env)
	case opts.IDTokenStdin || opts.Provider != "":
		if !opts.IDTokenStdin || opts.Provider == "" {
			return usagef("--id-token-stdin and --provider go together: the token on standard input, the provider's name in the identity pool")
		}
		if opts.PasswordStdin || opts.Resume {
			return usagef("--id-token-stdin takes no --password-stdin or --resume")
		}
		tok, err := readLine(bufio.NewReader(a.IO.In))
		if err != nil || tok == "" {
			return usagef("--id-token-stdin: no token on standard input")
		}
		s, err = client.LoginWithToken(ctx, opts.Provider, strings.TrimSpace(tok))
		if err != nil {
			return err
		}
		fmt.Fprintf(a.IO.ErrOut, "Signed in to env %q with a %s token; identity %s. It cannot be renewed here: sign in again when it expires (%s).\n",
			env.Name, opts.Provider, s.IdentityID, s.TokensExpire.Local().Format(time.RFC3339))
		return nil
	}
	if opts.Resume {
		if opts.Username != "" || opts.PasswordStdin {
			return usagef("--resume continues the saved sign-in: it takes no -u or --password-stdin")
		}
		fmt.Fprintf(a.IO.ErrOut, "Resuming the sign-in to %s...\n", env.UserPoolID)
		s, err = client.ResumeLogin(ctx)
		if errors.Is(err, cognitologin.ErrNoPendingChallenge) {
			return usagef("login --resume: %v", err)
		}
	} else {
		user, password, perr := loginCredentials(a, opts, env)
		if perr != nil {
			return perr
		}
		flow := map[string]string{"srp": "SRP", "password": "USER_PASSWORD_AUTH", "user_auth": "choice-based sign-in", "custom": "custom challenges"}[env.AuthFlow]
		fmt.Fprintf(a.IO.ErrOut, "Signing in to %s as %s (%s)...\n", env.UserPoolID, user, flow)
		_ = client.ClearPending()
		s, err = client.Login(ctx, user, password, func(o *userpool.SignInOptions) { o.PreferredChallenge = opts.FirstFactor })
	}
	var ce *userpool.ChallengeError
	if errors.As(err, &ce) && ce.Pending != nil && !opts.Resume {
		if serr := client.SavePending(ce.Pending); serr != nil {
			return fmt.Errorf("%w (and saving it for --resume failed: %v)", err, serr)
		}
	}
	if err != nil {
		if ce != nil && ce.Pending != nil {
			return fmt.Errorf("%w\nTo answer it within 3 minutes: %s login --resume %s", err, a.commandPrefix(), flagFor(ce.Challenge))
		}
		if errors.Is(err, userpool.ErrPasswordResetRequired) {
			return fmt.Errorf("%w\nReset it with: %s password reset -u %s", err, a.commandPrefix(), shellQuote(opts.Username))
		}
		return err
	}
	fmt.Fprintf(a.IO.ErrOut, "Signed in to env %q as %s in %s; identity %s.\n", env.Name, s.Username, time.Since(start).Round(time.Millisecond), s.IdentityID)
	if s.Device != nil && s.Device.Remembered {
		fmt.Fprintf(a.IO.ErrOut, "This device is remembered by the user pool (%s).\n", s.Device.Key)
	}
	fmt.Fprintf(a.IO.ErrOut, "Credentials expire at %s (in %s); they renew without the password until the refresh token expires.\n",
		s.Credentials.Expiration.Local().Format(time.RFC3339), time.Until(s.Credentials.Expiration).Round(time.Minute))
	return nil
}

// loginBrowser signs in through the hosted UI.
func loginBrowser(ctx context.Context, opts *LoginOptions, client *cognitologin.Client, env *cognitologin.Env) error {
	a := opts.App
	cfg, err := client.HostedUIConfig()
	if err != nil {
		return err
	}
	open := func(u string) error {
		if !opts.NoBrowser {
			fmt.Fprintf(a.IO.ErrOut, "Opening the browser to sign in (callback %s)...\nIf it does not open, visit:\n  %s\n", cfg.RedirectURL(), u)
			if err := a.openBrowser(u); err == nil {
				return nil
			}
			fmt.Fprintln(a.IO.ErrOut, "Could not open a browser; open the URL above yourself.")
			return nil
		}
		fmt.Fprintf(a.IO.ErrOut, "Open this URL in a browser on this machine (the redirect comes back to %s):\n  %s\n", cfg.RedirectURL(), u)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	s, err := client.LoginBrowser(ctx, open)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.IO.ErrOut, "Signed in to env %q as %s through the hosted UI in %s; identity %s.\n", env.Name, s.Username, time.Since(start).Round(time.Millisecond), s.IdentityID)
	return nil
}

// loginCredentials gets the user name and password from flags, stdin or
// the terminal.
func loginCredentials(a *App, opts *LoginOptions, env *cognitologin.Env) (user, password string, err error) {
	user = opts.Username
	if user == "" {
		user = env.Username
	}
	if user == "" {
		if !a.IO.InIsTerminal || opts.PasswordStdin {
			return "", "", usagef("no user name: pass -u USER or set username in the env %q", env.Name)
		}
		if user, err = a.Prompter.Input("Username: "); err != nil {
			return "", "", err
		}
		if user == "" {
			return "", "", usagef("no user name given")
		}
	}
	passwordless := (env.AuthFlow == "user_auth" && (opts.FirstFactor == userpool.FactorEmailOTP || opts.FirstFactor == userpool.FactorSMSOTP)) ||
		(env.AuthFlow == "custom" && !opts.PasswordStdin && !a.IO.InIsTerminal)
	switch {
	case opts.PasswordStdin:
		if password, err = readLine(opts.stdin); err != nil {
			return "", "", usagef("--password-stdin: no password on standard input (%v)", err)
		}
	case passwordless:
	case a.IO.InIsTerminal:
		if password, err = a.Prompter.Secret(fmt.Sprintf("Password for %s: ", user)); err != nil {
			return "", "", err
		}
	default:
		return "", "", usagef("standard input is not a terminal, so the password cannot be asked for: pass --password-stdin and write it to standard input")
	}
	if password == "" && !passwordless && env.AuthFlow != "user_auth" && env.AuthFlow != "custom" {
		return "", "", usagef("empty password")
	}
	return user, password, nil
}

// flagFor names the flag that answers a challenge.
func flagFor(challenge string) string {
	switch challenge {
	case userpool.ChallengeSMSMFA, userpool.ChallengeSoftwareTokenMFA, userpool.ChallengeEmailOTP, userpool.ChallengeSMSOTP, userpool.ChallengeMFASetup:
		return "--mfa-code CODE"
	case userpool.ChallengeSelectMFAType:
		return "--mfa-type TYPE"
	case userpool.ChallengeSelectChallenge:
		return "--first-factor FACTOR"
	case userpool.ChallengeCustom:
		return "--answer ANSWER"
	case userpool.ChallengeNewPasswordRequired:
		return "--new-password-stdin"
	}
	return ""
}

// noAnswer ends the sign-in for now with exit 5, naming the flag that
// answers the challenge; the library attaches the state to resume from.
func noAnswer(ch *userpool.Challenge, reason string) error {
	return &userpool.ChallengeError{Challenge: ch.Name, Reason: reason}
}

// interactive reports whether questions can be asked on the terminal.
func (o *LoginOptions) interactive() bool { return o.App.IO.InIsTerminal && !o.PasswordStdin }

// answerChallenge is the CLI's challenge handler: flags first, then the
// terminal, else an error naming the flag (exit 5).
func answerChallenge(a *App, opts *LoginOptions, ch *userpool.Challenge) (*userpool.Answer, error) {
	w := a.IO.ErrOut
	switch ch.Name {
	case userpool.ChallengeNewPasswordRequired:
		return answerNewPassword(a, opts, ch)

	case userpool.ChallengeSMSMFA, userpool.ChallengeSoftwareTokenMFA, userpool.ChallengeEmailOTP, userpool.ChallengeSMSOTP:
		where := "from your authenticator app"
		if ch.Name != userpool.ChallengeSoftwareTokenMFA {
			where = fmt.Sprintf("sent by %s to %s", strings.ToLower(orDefault(ch.DeliveryMedium, "message")), orDefault(ch.Destination, "you"))
		}
		if opts.MFACode != "" {
			if ch.Attempt > 0 {
				return nil, noAnswer(ch, "the code given with --mfa-code was refused (wrong or expired)")
			}
			return &userpool.Answer{Code: opts.MFACode}, nil
		}
		if !opts.interactive() {
			return nil, noAnswer(ch, fmt.Sprintf("a code %s is needed: pass --mfa-code CODE", where))
		}
		if ch.Attempt > 0 {
			fmt.Fprintln(w, "That code was not accepted; try again.")
		}
		code, err := a.Prompter.Input(fmt.Sprintf("%s code %s: ", mfaLabel(ch.Name), where))
		if err != nil {
			return nil, err
		}
		return &userpool.Answer{Code: strings.TrimSpace(code)}, nil

	case userpool.ChallengeSelectMFAType, userpool.ChallengeSelectChallenge:
		given, flag := opts.MFAType, "--mfa-type"
		if ch.Name == userpool.ChallengeSelectChallenge {
			given, flag = opts.FirstFactor, "--first-factor"
		}
		if given != "" {
			return &userpool.Answer{Choice: given}, nil
		}
		if !opts.interactive() {
			return nil, noAnswer(ch, fmt.Sprintf("choose one of %s: pass %s", strings.Join(ch.Options, ", "), flag))
		}
		choice, err := choose(a, "How do you want to sign in?", ch.Options)
		if ch.Name == userpool.ChallengeSelectMFAType {
			choice, err = choose(a, "Which second factor?", ch.Options)
		}
		if err != nil {
			return nil, err
		}
		return &userpool.Answer{Choice: choice}, nil

	case userpool.ChallengeMFASetup:
		if ch.Attempt == 0 || opts.interactive() {
			fmt.Fprintln(w, "The user pool requires an authenticator app (TOTP) for this user. Scan this QR code with it,")
			fmt.Fprintln(w, "or enter the secret by hand:")
			if err := writeQR(w, ch.TOTPURI); err != nil {
				fmt.Fprintln(w, err)
			}
			fmt.Fprintf(w, "Secret: %s\n", ch.TOTPSecret)
		}
		if opts.MFACode != "" {
			if ch.Attempt > 0 {
				return nil, noAnswer(ch, "the code given with --mfa-code was refused")
			}
			return &userpool.Answer{Code: opts.MFACode, DeviceName: "cognito-login"}, nil
		}
		if !opts.interactive() {
			return nil, noAnswer(ch, "add the secret above to an authenticator app, then pass its code with --mfa-code CODE")
		}
		if ch.Attempt > 0 {
			fmt.Fprintln(w, "That code was not accepted; try again.")
		}
		code, err := a.Prompter.Input("Code shown by the authenticator app: ")
		if err != nil {
			return nil, err
		}
		return &userpool.Answer{Code: strings.TrimSpace(code), DeviceName: "cognito-login"}, nil

	case userpool.ChallengeCustom:
		if opts.Answer != "" {
			if ch.Attempt > 0 {
				return nil, noAnswer(ch, "the answer given with --answer was refused")
			}
			return &userpool.Answer{Code: opts.Answer}, nil
		}
		if len(ch.Parameters) > 0 {
			keys := make([]string, 0, len(ch.Parameters))
			for k := range ch.Parameters {
				if k != "USERNAME" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			fmt.Fprintln(w, "The user pool asks a custom challenge:")
			for _, k := range keys {
				fmt.Fprintf(w, "  %s: %s\n", k, ch.Parameters[k])
			}
		}
		if !opts.interactive() {
			return nil, noAnswer(ch, "pass the answer with --answer ANSWER")
		}
		ans, err := a.Prompter.Input("Answer: ")
		if err != nil {
			return nil, err
		}
		return &userpool.Answer{Code: ans}, nil

	case userpool.ChallengeRememberDevice:
		switch {
		case opts.RememberDevice != "":
			return &userpool.Answer{Remember: opts.RememberDevice == "yes"}, nil
		case ch.KnownDevice:
			// Asked and declined before: only --remember-device changes it.
			return &userpool.Answer{Remember: false}, nil
		case opts.interactive():
			ans, err := a.Prompter.Input("Remember this device, so that the pool can skip MFA here next time? [y/N]: ")
			if err != nil {
				return nil, err
			}
			return &userpool.Answer{Remember: strings.HasPrefix(strings.ToLower(strings.TrimSpace(ans)), "y")}, nil
		}
		return &userpool.Answer{Remember: false}, nil
	}
	return nil, noAnswer(ch, "this version of cognito-login cannot answer it")
}

func mfaLabel(name string) string {
	switch name {
	case userpool.ChallengeSMSMFA, userpool.ChallengeSMSOTP:
		return "SMS"
	case userpool.ChallengeEmailOTP:
		return "Email"
	}
	return "Authenticator"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// choose asks for one of options by number or name.
func choose(a *App, question string, options []string) (string, error) {
	fmt.Fprintln(a.IO.ErrOut, question)
	for i, o := range options {
		fmt.Fprintf(a.IO.ErrOut, "  %d) %s\n", i+1, o)
	}
	for tries := 0; tries < 5; tries++ {
		ans, err := a.Prompter.Input(fmt.Sprintf("Choice [1-%d]: ", len(options)))
		if err != nil {
			return "", err
		}
		ans = strings.TrimSpace(ans)
		if n, err := strconv.Atoi(ans); err == nil && n >= 1 && n <= len(options) {
			return options[n-1], nil
		}
		for _, o := range options {
			if strings.EqualFold(o, ans) {
				return o, nil
			}
		}
		fmt.Fprintf(a.IO.ErrOut, "%q is not one of the choices.\n", ans)
	}
	return "", errors.New("no valid choice made")
}

func answerNewPassword(a *App, opts *LoginOptions, ch *userpool.Challenge) (*userpool.Answer, error) {
	ans := &userpool.Answer{Attributes: map[string]string{}}
	switch {
	case opts.NewPasswordStdin:
		pw, err := readLine(opts.stdin)
		if err != nil || pw == "" {
			return nil, noAnswer(ch, "--new-password-stdin: no new password on the line after the password")
		}
		ans.NewPassword = pw
	case opts.interactive():
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
		return nil, noAnswer(ch, "a new password must be set: pass --new-password-stdin and write it on the line after the password")
	}
	for _, attr := range ch.RequiredAttributes {
		if !opts.interactive() {
			return nil, &userpool.ChallengeError{Challenge: ch.Name, Reason: fmt.Sprintf("the pool requires attribute %q, which only an interactive login can ask for", attr)}
		}
		v, err := a.Prompter.Input(fmt.Sprintf("%s (required by the pool): ", attr))
		if err != nil {
			return nil, err
		}
		ans.Attributes[attr] = v
	}
	return ans, nil
}
