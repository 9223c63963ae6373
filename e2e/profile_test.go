package e2e

import (
	"testing"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// TestStaleAWSProfileIgnored: an AWS_PROFILE that names no profile must not
// break login or ls; cognito-login signs nothing with the user's own AWS
// credentials, so it has no use for the profile.
func TestStaleAWSProfileIgnored(t *testing.T) {
	t.Parallel()
	_, url, d := startEmulator(t, cognitotest.DemoOptions{})
	sb := newSandbox(t, url)
	sb.WriteConfig(d.ConfigTOML("demo"))
	sb.Set("AWS_PROFILE", "nonexistent")
	sb.mustCLI(d.Password+"\n", "login", "-u", d.Username, "--password-stdin")
	r := sb.mustCLI("", "ls")
	for _, k := range d.Objects {
		if !hasLsKey(r.Stdout, k) {
			t.Errorf("ls with AWS_PROFILE=nonexistent: no line for %q:\n%s", k, r)
		}
	}
}
