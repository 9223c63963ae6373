// Command s3list is the original sample: sign in to a Cognito user pool,
// get temporary AWS credentials from the identity pool, and list a bucket's
// objects with them. Copy it as a starting point.
//
//	go run ./examples/s3list -config config.toml -env dev -user alice
//
// The password is read from standard input (first line). Against the local
// emulator: run `cognito-login emulator --config-out /tmp/emu.toml`, then
//
//	echo Correct-Horse-7 | AWS_ENDPOINT_URL=http://127.0.0.1:9229 \
//	    go run ./examples/s3list -config /tmp/emu.toml -user alice
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	cognitologin "github.com/loginwithcognito/cognitologin"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "s3list:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("s3list", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "", "cognito-login config file (default: the standard location)")
	envName := flags.String("env", "", "environment in the config file")
	user := flags.String("user", "", "user name")
	if err := flags.Parse(args); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	env, err := cognitologin.LoadEnv(*configPath, *envName)
	if err != nil {
		return err
	}
	if *user == "" {
		*user = env.Username
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && password == "" {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")

	// The original library's API: an environment in, temporary credentials out.
	client, err := cognitologin.New(*env)
	if err != nil {
		return err
	}
	creds, err := client.GetTemporaryCredentials(ctx, *user, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "temporary credentials %s, valid until %s\n", creds.AccessKeyID, creds.Expires.Format(time.RFC3339))

	// Use them with any aws-sdk-go-v2 client.
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(env.Region),
		config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		})))
	if err != nil {
		return err
	}
	p := s3.NewListObjectsV2Paginator(s3.NewFromConfig(awsCfg), &s3.ListObjectsV2Input{Bucket: aws.String(env.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing s3://%s: %w", env.Bucket, err)
		}
		for _, o := range page.Contents {
			fmt.Fprintf(stdout, "%s %10d %s\n", o.LastModified.UTC().Format("2006-01-02 15:04:05"), aws.ToInt64(o.Size), aws.ToString(o.Key))
		}
	}
	return nil
}
