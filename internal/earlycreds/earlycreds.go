// Package earlycreds answers `cognito-login credentials` from a valid cached
// session before the rest of the program has started. Importing it (for
// its side effect, from package main) is all it takes.
//
// Why in an init function: the AWS CLI runs a credential_process before
// every command, so its start-up is paid each time. A Go program runs
// every package's init before main, and the AWS SDK's take 3–4 ms of a
// ~8 ms `cognito-login credentials` (the endpoint tables of seven service
// clients, each compiling its regular expressions, and the page faults of a
// 20 MB binary). This package links none of that: its dependencies are
// internal/cachedcreds' (TOML, JSON, the session file), and Go initializes
// packages in dependency order, then by import path. The SDK's packages
// wait for net/http, which sorts after this package's path, so this init
// runs first, and when it answers it exits before any SDK code has run.
// TestEarlyCredentialsRunsBeforeTheSDK (e2e) holds that.
//
// It answers only when the arguments are exactly what
// cachedcreds.ParseCommandLine accepts (credentials with --config, --env,
// --format) and cachedcreds.Serve
// finds credentials that `cognito-login credentials` would print as they
// are, the same judgement cognito-login-credentials makes. In every other
// case it returns, and the program starts as usual.
package earlycreds

import (
	"fmt"
	"os"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
)

func init() {
	if os.Getenv(cachedcreds.DelegatedEnv) != "" {
		return
	}
	r, ok := cachedcreds.ParseCommandLine(os.Args[1:])
	if !ok {
		return
	}
	served, err := cachedcreds.ServeTo(os.Stdout, r, time.Now())
	if err != nil {
		fmt.Fprintf(os.Stderr, "cognito-login: write credentials: %v\n", err)
		os.Exit(1)
	}
	if served {
		os.Exit(0)
	}
}
