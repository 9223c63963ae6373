package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// EmulatorOptions are the emulator command's inputs.
type EmulatorOptions struct {
	App       *App
	Addr      string
	Region    string
	NoSeed    bool
	ConfigOut string
	Quiet     bool
}

func newEmulatorCmd(a *App) *cobra.Command {
	opts := &EmulatorOptions{App: a}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run the local Cognito emulator (user pools, identity pools, STS, S3) as a server",
		Long: `Run the emulator until interrupted. It speaks the AWS wire protocols of
cognito-idp, cognito-identity, STS and S3 on one endpoint, so cognito-login, the
AWS CLI, boto3 and amazon-cognito-identity-js can use it via AWS_ENDPOINT_URL.
Unless --no-seed, it creates a demo user pool, user, identity pool and bucket,
and prints the config to use them. Each request is logged to stderr.`,
		Example: `  cognito-login emulator --addr 127.0.0.1:9229 --config-out /tmp/emu.toml
  # in another terminal:
  export AWS_ENDPOINT_URL=http://127.0.0.1:9229 COGNITO_LOGIN_CONFIG=/tmp/emu.toml
  cognito-login login && cognito-login ls`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return emulatorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:9229", "address to listen on")
	cmd.Flags().StringVar(&opts.Region, "region", "us-east-1", "region the emulator pretends to be in")
	cmd.Flags().BoolVar(&opts.NoSeed, "no-seed", false, "start empty (create pools with the AWS CLI or SDK)")
	cmd.Flags().StringVar(&opts.ConfigOut, "config-out", "", "also write the demo config to this file (0600)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "log only the codes sent by SMS or email, not each request")
	return cmd
}

func emulatorRun(ctx context.Context, opts *EmulatorOptions) error {
	a := opts.App
	w := a.IO.ErrOut
	o := cognitotest.Options{Region: opts.Region, Logf: func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		// Codes "sent" by SMS or email are how a person answers MFA here:
		// they are printed even with --quiet.
		if !opts.Quiet || strings.HasPrefix(line, "code ") {
			fmt.Fprintf(w, "emulator: %s\n", line)
		}
	}}
	emu := cognitotest.NewServer(o)
	if err := emu.GenerateKeys(); err != nil {
		return err
	}
	url, err := emu.Start(opts.Addr)
	if err != nil {
		return err
	}
	defer emu.Close()
	fmt.Fprintf(w, "Cognito emulator listening at %s (region %s). Ctrl-C stops it.\n", url, opts.Region)
	if !opts.NoSeed {
		d, err := emu.SeedDemo(cognitotest.DemoOptions{})
		if err != nil {
			return err
		}
		cfg := d.ConfigTOML("emulator")
		if opts.ConfigOut != "" {
			if err := writeFileAtomic(opts.ConfigOut, []byte(cfg), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(w, "Wrote the config to %s.\n", opts.ConfigOut)
		}
		fmt.Fprintf(w, "Seeded user %q with password %q, bucket %q.\n\nConfig:\n%s\n", d.Username, d.Password, d.Bucket, cfg)
		fmt.Fprintf(w, "Use it:\n  export AWS_ENDPOINT_URL=%s\n  export COGNITO_LOGIN_CONFIG=<the config above, saved to a file>\n  cognito-login login && cognito-login ls\n", url)
	} else {
		fmt.Fprintf(w, "Use it: export AWS_ENDPOINT_URL=%s\n", url)
	}
	<-ctx.Done()
	fmt.Fprintln(w, "Emulator stopped.")
	return nil
}

// writeFileAtomic writes via a temporary file and rename, so a reader never
// sees half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
