package envconfig

import (
	"regexp"
	"testing"
)

// The regexps the hand-written checks replace; they must agree on every
// input.
var (
	regionRe       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	userPoolIDRe   = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9A-Za-z]+$`)
	identityPoolRe = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]+):[0-9a-f-]+$`)
	clientIDRe     = regexp.MustCompile(`^[\w+]+$`)
	roleARNRe      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
	envNameRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

func checkAgainstRegexps(t *testing.T, s string) {
	t.Helper()
	if got, want := isRegion(s), regionRe.MatchString(s); got != want {
		t.Errorf("isRegion(%q) = %v; regexp says %v", s, got, want)
	}
	region, ok := userPoolRegion(s)
	if m := userPoolIDRe.FindStringSubmatch(s); ok != (m != nil) || (ok && region != m[1]) {
		t.Errorf("userPoolRegion(%q) = %q, %v; regexp says %q", s, region, ok, m)
	}
	region, ok = identityPoolRegion(s)
	if m := identityPoolRe.FindStringSubmatch(s); ok != (m != nil) || (ok && region != m[1]) {
		t.Errorf("identityPoolRegion(%q) = %q, %v; regexp says %q", s, region, ok, m)
	}
	if got, want := isClientID(s), clientIDRe.MatchString(s); got != want {
		t.Errorf("isClientID(%q) = %v; regexp says %v", s, got, want)
	}
	if got, want := isRoleARN(s), roleARNRe.MatchString(s); got != want {
		t.Errorf("isRoleARN(%q) = %v; regexp says %v", s, got, want)
	}
	if got, want := isEnvName(s), envNameRe.MatchString(s); got != want {
		t.Errorf("isEnvName(%q) = %v; regexp says %v", s, got, want)
	}
}

var validatorSeeds = []string{
	"", "a", "eu-west-1", "us-gov-east-1", "eu-west-", "eu--west-1", "euwest-1", "e-west-1", "EU-west-1", "eu-west-1a",
	"eu-1", "eu-west-1_AbC123xyz", "eu-west-1_", "eu-west-1_a_b", "eu-west-1_Ab-c", "_x", "eu-west-1:0e1d2c3b-4a59",
	"eu-west-1:", "eu-west-1:ABC", "eu-west-1:a:b", ":x", "4h5j6k7l8m", "a+b_c", "a-b", "a b",
	"arn:aws:iam::123456789012:role/x", "arn:aws-us-gov:iam::123456789012:role/path/x+=,.@-_",
	"arn:aws:iam::12345678901:role/x", "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:user/x",
	"arn:awsX:iam::123456789012:role/x", "arn:aws:iam::1234567890123:role/x", "arn:aws:iam::123456789012:role/x y",
	"arn:aws::iam::123456789012:role/x", "dev", "Dev.1_x-y", ".dev", "-dev", "dev!", "d", "é",
}

func TestValidatorsMatchRegexps(t *testing.T) {
	for _, s := range validatorSeeds {
		checkAgainstRegexps(t, s)
	}
}

func FuzzValidatorsMatchRegexps(f *testing.F) {
	for _, s := range validatorSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAgainstRegexps(t, s) })
}
