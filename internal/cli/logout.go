package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newLogoutCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the refresh token and forget the session",
		Long: `Revoke the session's refresh token (which also revokes the ID and access tokens
issued from it) and delete the stored session and cached credentials. The local
session is deleted even if the revocation call fails.`,
		Example: `  cognito-login logout
  cognito-login --env prod logout`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return logoutRun(cmd.Context(), a)
		},
	}
}

func logoutRun(ctx context.Context, a *App) error {
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	if err := client.Logout(ctx); err != nil {
		return fmt.Errorf("the session was deleted, but revoking the refresh token failed: %w", err)
	}
	fmt.Fprintf(a.IO.ErrOut, "Signed out of env %q.\n", client.Env().Name)
	return nil
}
