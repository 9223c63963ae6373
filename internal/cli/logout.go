package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
)

func newLogoutCmd(a *App) *cobra.Command {
	var global, all bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the refresh token and forget the session",
		Long: `Revoke the session's refresh token (which also revokes the ID and access tokens
issued from it) and delete the stored session and cached credentials. With
--global, sign the user out everywhere (every device and program signed in as
this user must sign in again). With --all, do this for every environment in
the config file. The local session is deleted even if the call to the pool
fails.`,
		Example: `  cognito-login logout
  cognito-login logout --global
  cognito-login logout --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return logoutRun(cmd.Context(), a, global, all)
		},
	}
	cmd.Flags().BoolVar(&global, "global", false, "sign the user out of every device (GlobalSignOut)")
	cmd.Flags().BoolVar(&all, "all", false, "sign out of every environment in the config file")
	return cmd
}

func logoutRun(ctx context.Context, a *App, global, all bool) error {
	envs := []string{a.EnvName}
	if all {
		if a.EnvName != "" {
			return usagef("logout --all signs out of every environment: it takes no --env")
		}
		cfg, err := cognitologin.LoadConfig(a.ConfigPath)
		if err != nil {
			return err
		}
		envs = cfg.Names()
	}
	var errs []error
	for _, name := range envs {
		sub := *a
		sub.EnvName = name
		client, err := sub.client(nil)
		if err != nil {
			return err
		}
		if err := client.Logout(ctx, global); err != nil {
			errs = append(errs, fmt.Errorf("env %q: the session was deleted, but the user pool call failed: %w", client.Env().Name, err))
			continue
		}
		fmt.Fprintf(a.IO.ErrOut, "Signed out of env %q.\n", client.Env().Name)
	}
	return errors.Join(errs...)
}
