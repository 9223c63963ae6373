// Command watchbucket is a long-running program using a person's Cognito
// sign-in: it lists a bucket every interval, for days, with credentials
// that renew themselves from the session `cognito-login login` stored
// (refresh token, then the identity pool), never asking for the password.
// Copy it as a starting point for a daemon or a desktop app.
//
//	cognito-login --env dev login
//	go run ./examples/watchbucket -env dev -every 1m
//
// When the session can no longer be renewed (signed out, refresh token
// expired or revoked) it says which login to run and exits with code 3, as
// cognito-login does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	cognitologin "github.com/loginwithcognito/cognitologin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, cognitologin.ErrLoginRequired):
		fmt.Fprintln(os.Stderr, "watchbucket:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "watchbucket:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("watchbucket", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "", "cognito-login config file (default: the standard location)")
	envName := flags.String("env", "", "environment in the config file")
	bucket := flags.String("bucket", "", "bucket to list (default: the env's bucket)")
	every := flags.Duration("every", time.Minute, "time between listings")
	count := flags.Int("count", 0, "stop after this many listings (0: run until interrupted)")
	if err := flags.Parse(args); err != nil {
		return err
	}

	env, err := cognitologin.LoadEnv(*configPath, *envName)
	if err != nil {
		return err
	}
	if *bucket == "" {
		*bucket = env.Bucket
	}
	client, err := cognitologin.New(*env)
	if err != nil {
		return err
	}
	// An aws.Config whose credentials come from the stored session through
	// an aws.CredentialsCache: renewed a few minutes before they expire, by
	// whichever call needs them first; other processes using the same
	// session share the refresh.
	awsCfg, err := client.AWSConfig(ctx)
	if err != nil {
		return err
	}
	s3c := s3.NewFromConfig(awsCfg)

	tick := time.NewTicker(*every)
	defer tick.Stop()
	for n := 1; ; n++ {
		out, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(*bucket)})
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted
			}
			return fmt.Errorf("listing s3://%s: %w", *bucket, err)
		}
		creds, err := awsCfg.Credentials.Retrieve(ctx) // cached: no request
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s s3://%s: %d objects (credentials %s, valid until %s)\n",
			time.Now().Format(time.TimeOnly), *bucket, len(out.Contents), creds.AccessKeyID, creds.Expires.Format(time.RFC3339))
		if *count > 0 && n >= *count {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
