package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
)

func newStatusCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the session: user, identity id, token and credential expiry",
		Long: `Show the stored session of the environment: who is signed in, the identity id,
when the tokens and the cached credentials expire, and whether the session can
still be refreshed. It makes no network call. Exits 3 when a login is needed.`,
		Example: `  cognito-login status
  cognito-login --env prod status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return statusRun(cmd.Context(), a)
		},
	}
}

func statusRun(ctx context.Context, a *App) error {
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	env := client.Env()
	w := a.IO.Out
	s, err := client.LoadSession()
	if errors.Is(err, cognitologin.ErrLoginRequired) {
		fmt.Fprintf(w, "env:        %s\nstatus:     %s\n", env.Name, err)
		return err
	}
	if err != nil {
		return err
	}
	now := time.Now()
	rel := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		d := t.Sub(now).Round(time.Second)
		if d < 0 {
			return fmt.Sprintf("%s (expired %s ago)", t.Local().Format(time.RFC3339), -d)
		}
		return fmt.Sprintf("%s (in %s)", t.Local().Format(time.RFC3339), d)
	}
	state := "signed in"
	if s.Stale != "" {
		state = "needs login: " + s.Stale
	}
	fmt.Fprintf(w, "env:         %s\n", env.Name)
	fmt.Fprintf(w, "status:      %s\n", state)
	fmt.Fprintf(w, "user:        %s (typed as %s)\n", s.Username, s.LoginName)
	fmt.Fprintf(w, "user pool:   %s\n", s.UserPoolID)
	fmt.Fprintf(w, "identity:    %s\n", s.IdentityID)
	fmt.Fprintf(w, "signed in:   %s\n", s.SignedInAt.Local().Format(time.RFC3339))
	fmt.Fprintf(w, "tokens:      %s\n", rel(s.TokensExpire))
	if s.Credentials != nil {
		fmt.Fprintf(w, "credentials: %s %s\n", s.Credentials.AccessKeyID, rel(s.Credentials.Expiration))
	} else {
		fmt.Fprintf(w, "credentials: none cached\n")
	}
	if s.Stale != "" {
		return &cognitologin.LoginRequiredError{Env: env.Name, Reason: s.Stale}
	}
	return nil
}
