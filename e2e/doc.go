// Package e2e holds the third-party test ring (DESIGN.md, "Tests, in three
// rings"): the cognito-login binary against moto's server, its
// credential_process output consumed by the real AWS CLI, and the
// cognitotest emulator driven by amazon-cognito-identity-js and boto3.
//
// It has no code of its own; everything is in the _test.go files. Tests
// skip when a third-party tool is missing, except under CI=true, where a
// missing tool is a failure.
package e2e
