// Command cognito-login signs a person in to an Amazon Cognito user pool and
// hands out temporary AWS credentials from an identity pool. See
// `cognito-login --help` and the README.
package main

import (
	"os"

	"github.com/loginwithcognito/cognitologin/internal/cli"
	// Answers `credentials` from a valid cache before the AWS SDK starts.
	_ "github.com/loginwithcognito/cognitologin/internal/earlycreds"
)

func main() { os.Exit(cli.Main()) }
