package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
)

// LsOptions are the ls command's inputs.
type LsOptions struct {
	App    *App
	Target string // BUCKET[/PREFIX], or "" for the env's bucket
}

func newLsCmd(a *App) *cobra.Command {
	opts := &LsOptions{App: a}
	return &cobra.Command{
		Use:   "ls [BUCKET[/PREFIX]]",
		Short: "List a bucket's objects with the session's temporary credentials",
		Long: `List the objects of BUCKET (or the env's bucket), optionally under PREFIX, one per
line: last-modified date and time (UTC), size in bytes, key. This is the
original sample: it proves the credentials work.`,
		Example: `  cognito-login ls
  cognito-login ls my-bucket/reports/2026/
  cognito-login ls s3://my-bucket`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			return lsRun(cmd.Context(), opts)
		},
	}
}

// splitTarget turns "s3://bucket/prefix" or "bucket/prefix" into parts.
func splitTarget(t string) (bucket, prefix string) {
	t = strings.TrimPrefix(t, "s3://")
	bucket, prefix, _ = strings.Cut(t, "/")
	return bucket, prefix
}

func lsRun(ctx context.Context, opts *LsOptions) error {
	a := opts.App
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	bucket, prefix := splitTarget(opts.Target)
	if bucket == "" {
		bucket = client.Env().Bucket
	}
	if bucket == "" {
		return usagef("no bucket: pass BUCKET[/PREFIX] or set bucket in the env %q", client.Env().Name)
	}
	// Credentials first, so a missing session is exit 3 before any S3 call.
	if _, _, err := client.Credentials(ctx); err != nil {
		return err
	}
	cfg, err := client.AWSConfig(ctx)
	if err != nil {
		return err
	}
	s3c := s3.NewFromConfig(cfg)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	p := s3.NewListObjectsV2Paginator(s3c, in)
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s3Error(bucket, err)
		}
		for _, o := range page.Contents {
			date := "                   "
			if o.LastModified != nil {
				date = o.LastModified.UTC().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(a.IO.Out, "%s %10d %s\n", date, aws.ToInt64(o.Size), aws.ToString(o.Key))
			n++
		}
	}
	if n == 0 {
		fmt.Fprintf(a.IO.ErrOut, "No objects in s3://%s/%s\n", bucket, prefix)
	}
	return nil
}

func s3Error(bucket string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied":
			return fmt.Errorf("listing s3://%s: access denied: the identity pool's role must allow s3:ListBucket on this bucket", bucket)
		case "NoSuchBucket":
			return fmt.Errorf("listing s3://%s: no such bucket (check the name and the region)", bucket)
		}
		return fmt.Errorf("listing s3://%s: %s: %s", bucket, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("listing s3://%s: %w", bucket, err)
}
