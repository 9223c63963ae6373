package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
	"github.com/loginwithcognito/cognitologin/sessionstore"
)

func newDemoCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole flow against an embedded Cognito emulator (no AWS account needed)",
		Long: `Start the Cognito emulator in this process, seed a user pool, a user, an
identity pool, a role and a bucket, then run the same code as
"cognito-login login" and "cognito-login ls", printing each step: what was
called, how many requests, and how long it took. The listing goes to standard
output. Nothing is written outside a temporary directory, and your own config,
sessions and AWS settings are neither read nor touched.`,
		Example: `  cognito-login demo
  cognito-login --debug demo      # also log each step`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return demoRun(cmd.Context(), a)
		},
	}
}

// emulatorAWSConfig is an SDK config that sends every service to url and
// ignores the user's AWS environment.
func emulatorAWSConfig(url, region string) *aws.Config {
	return &aws.Config{Region: region, BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}}
}

func demoRun(ctx context.Context, a *App) error {
	w := a.IO.ErrOut
	total := time.Now()
	fmt.Fprintln(w, "cognito-login demo: sign in with SRP, get identity-pool credentials, list a bucket, all against a local emulator.")

	start := time.Now()
	emu := cognitotest.NewServer(cognitotest.Options{})
	if err := emu.GenerateKeys(); err != nil {
		return err
	}
	url, err := emu.Start("")
	if err != nil {
		return err
	}
	defer emu.Close()
	fmt.Fprintf(w, "[1/5] emulator listening at %s, token signing key generated (%s)\n", url, since(start))

	start = time.Now()
	d, err := emu.SeedDemo(cognitotest.DemoOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "[2/5] seeded user pool %s, app client, user %q, identity pool %s, role, bucket %q with %d objects (%s)\n",
		d.UserPoolID, d.Username, d.IdentityPoolID, d.Bucket, len(d.Objects), since(start))

	dir, err := os.MkdirTemp("", "cognito-login-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := sessionstore.NewFileStore(dir)
	if err != nil {
		return err
	}
	env := &cognitologin.Env{Name: "demo", Region: d.Region, UserPoolID: d.UserPoolID, ClientID: d.ClientID,
		IdentityPoolID: d.IdentityPoolID, Bucket: d.Bucket, Username: d.Username}
	var discard bytes.Buffer
	sub := &App{
		IO:          &IOStreams{In: strings.NewReader(d.Password + "\n"), Out: a.IO.Out, ErrOut: &discard},
		Prompter:    a.Prompter,
		Getenv:      a.Getenv,
		Debug:       a.Debug,
		AWSConfig:   emulatorAWSConfig(url, d.Region),
		Store:       store,
		EnvOverride: env,
	}
	if a.Debug {
		sub.IO.ErrOut = a.IO.ErrOut
	}

	emu.ResetCounts()
	start = time.Now()
	if err := loginRun(ctx, &LoginOptions{App: sub, Username: d.Username, PasswordStdin: true}); err != nil {
		return fmt.Errorf("demo login: %w", err)
	}
	fmt.Fprintf(w, "[3/5] login -u %s (SRP, password never sent): %s in %s\n", d.Username, requests(emu), since(start))

	emu.ResetCounts()
	start = time.Now()
	client, err := sub.client(nil)
	if err != nil {
		return err
	}
	creds, s, err := client.Credentials(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "[4/5] credentials from the stored session: %s in %s; identity %s, access key %s, expires %s\n",
		requests(emu), since(start), s.IdentityID, creds.AccessKeyID, creds.Expires.UTC().Format(time.RFC3339))

	emu.ResetCounts()
	start = time.Now()
	fmt.Fprintf(w, "[5/5] ls s3://%s:\n", d.Bucket)
	if err := lsRun(ctx, &LsOptions{App: sub, Target: d.Bucket}); err != nil {
		return fmt.Errorf("demo ls: %w", err)
	}
	fmt.Fprintf(w, "      %s in %s\n", requests(emu), since(start))
	fmt.Fprintf(w, "Done in %s. Against a real pool: `cognito-login configure`, then `cognito-login login`.\n", since(total))
	return nil
}

func since(t time.Time) time.Duration {
	d := time.Since(t)
	if d > time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// requests describes the emulator's request counts.
func requests(emu *cognitotest.Server) string {
	n := emu.TotalRequests()
	if n == 0 {
		return "0 requests"
	}
	noun := "requests"
	if n == 1 {
		noun = "request"
	}
	return fmt.Sprintf("%d %s (%s)", n, noun, cognitotest.FormatCounts(emu.Counts()))
}
