package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
)

// CredentialsOptions are the credentials command's inputs.
type CredentialsOptions struct {
	App    *App
	Format string
	Guest  bool
}

var credentialFormats = []string{"process", "env", "fish", "powershell", "json"}

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
		Example: `  # ~/.aws/config
  [profile cognito]
  credential_process = cognito-login --env dev credentials

  eval "$(cognito-login credentials --format env)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return credentialsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "process", "output format: "+strings.Join(credentialFormats, ", "))
	cmd.Flags().BoolVar(&opts.Guest, "guest", false, "credentials of an unauthenticated (guest) identity, where the identity pool allows them; needs no login")
	return cmd
}

func credentialsRun(ctx context.Context, opts *CredentialsOptions) error {
	valid := false
	for _, f := range credentialFormats {
		valid = valid || f == opts.Format
	}
	if !valid {
		return usagef("--format %q is not one of %s", opts.Format, strings.Join(credentialFormats, ", "))
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
		return writeCredentials(a.IO.Out, opts.Format, s.Credentials.AWS(), client.Env().Region, s.IdentityID)
	}
	creds, s, err := client.Credentials(ctx)
	if err != nil {
		return err
	}
	return writeCredentials(a.IO.Out, opts.Format, creds, client.Env().Region, s.IdentityID)
}

// ProcessCredentials is the credential_process output, version 1.
type ProcessCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string `json:",omitempty"`
	Region          string `json:",omitempty"`
	IdentityID      string `json:"IdentityId,omitempty"`
}

func processCredentials(c aws.Credentials) ProcessCredentials {
	p := ProcessCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		p.Expiration = c.Expires.UTC().Format(time.RFC3339)
	}
	return p
}

func writeCredentials(w io.Writer, format string, c aws.Credentials, region, identityID string) error {
	exp := ""
	if c.CanExpire {
		exp = c.Expires.UTC().Format(time.RFC3339)
	}
	vars := [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", c.SessionToken},
		{"AWS_CREDENTIAL_EXPIRATION", exp},
		{"AWS_REGION", region},
		{"AWS_DEFAULT_REGION", region},
	}
	var err error
	switch format {
	case "process", "json":
		p := processCredentials(c)
		if format == "json" {
			p.Region, p.IdentityID = region, identityID
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(p)
	case "env":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "export %s=%s\n", v[0], shellQuote(v[1]))
		}
	case "fish":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "set -gx %s %s;\n", v[0], shellQuote(v[1]))
		}
	case "powershell":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "$Env:%s = '%s'\n", v[0], strings.ReplaceAll(v[1], "'", "''"))
		}
	}
	return err
}
