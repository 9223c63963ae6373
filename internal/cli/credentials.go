package cli

import (
	"context"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
)

// CredentialsOptions are the credentials command's inputs.
type CredentialsOptions struct {
	App    *App
	Format string
	Guest  bool
}

func newCredentialsCmd(a *App) *cobra.Command {
	opts := &CredentialsOptions{App: a}
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Print temporary AWS credentials from the stored session",
		Long: `Print the session's temporary AWS credentials. Cached credentials are reused
with no network call while valid; when they are due, tokens and credentials are
refreshed (one process refreshes, concurrent ones wait and reuse the result).
It never prompts: with no usable session it exits with code 3 and names the
login to run.

Formats:
  process     the AWS CLI's and SDKs' credential_process JSON (Version 1)
  env         export lines for sh/bash/zsh
  fish        set -gx lines for fish
  powershell  $Env: assignments
  json        the same as process, plus Region and IdentityId`,
		Example: `  # ~/.aws/config; cognito-login-credentials, installed with cognito-login,
  # takes the same flags and prints the same, starting faster: it links no
  # AWS SDK and hands anything but a cache hit to this command.
  [profile cognito]
  credential_process = cognito-login-credentials --env dev

  eval "$(cognito-login credentials --format env)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return credentialsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "process", "output format: "+strings.Join(cachedcreds.Formats, ", "))
	cmd.Flags().BoolVar(&opts.Guest, "guest", false, "credentials of an unauthenticated (guest) identity, where the identity pool allows them; needs no login")
	return cmd
}

func credentialsRun(ctx context.Context, opts *CredentialsOptions) error {
	if !cachedcreds.ValidFormat(opts.Format) {
		return usagef("--format %q is not one of %s", opts.Format, strings.Join(cachedcreds.Formats, ", "))
	}
	a := opts.App
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	if opts.Guest {
		s, err := client.GuestCredentials(ctx)
		if err != nil {
			return err
		}
		return writeCredentials(a.IO.Out, opts.Format, cognitologin.AWSCredentials(s.Credentials), client.Env().Region, s.IdentityID)
	}
	creds, s, err := client.Credentials(ctx)
	if err != nil {
		return err
	}
	return writeCredentials(a.IO.Out, opts.Format, creds, client.Env().Region, s.IdentityID)
}

// ProcessCredentials is the credential_process output, version 1.
type ProcessCredentials = cachedcreds.ProcessCredentials

func writeCredentials(w io.Writer, format string, c aws.Credentials, region, identityID string) error {
	return cachedcreds.Write(w, format, cachedcreds.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: c.CanExpire, Expires: c.Expires,
	}, region, identityID)
}
