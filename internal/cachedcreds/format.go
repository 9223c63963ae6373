// Package cachedcreds prints temporary AWS credentials in the formats of
// `cognito-login credentials`, and serves them straight from a stored
// session while they are valid (Serve).
//
// Serving is the whole job of cmd/cognito-login-credentials, a
// credential_process helper that the AWS CLI and SDKs run before every
// command. It imports no AWS SDK package: a Go program that merely links
// aws-sdk-go-v2/config starts several milliseconds slower than one that
// does not, and that is the bulk of a cached credentials call. Anything
// Serve cannot answer exactly as the full command would, it leaves to the
// full command.
package cachedcreds

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Formats are the output formats, the first the default.
var Formats = []string{"process", "env", "fish", "powershell", "json"}

// ValidFormat reports whether f is one of Formats.
func ValidFormat(f string) bool {
	for _, v := range Formats {
		if f == v {
			return true
		}
	}
	return false
}

// Credentials are what is printed: the keys and, when CanExpire, their
// expiry.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	CanExpire       bool
	Expires         time.Time
}

// ProcessCredentials is the credential_process output, version 1; the json
// format adds Region and IdentityId.
type ProcessCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string `json:",omitempty"`
	Region          string `json:",omitempty"`
	IdentityID      string `json:"IdentityId,omitempty"`
}

// Write prints c in format (one of Formats) to w.
func Write(w io.Writer, format string, c Credentials, region, identityID string) error {
	exp := ""
	if c.CanExpire {
		exp = c.Expires.UTC().Format(time.RFC3339)
	}
	vars := [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", c.SessionToken},
		{"AWS_CREDENTIAL_EXPIRATION", exp},
		{"AWS_REGION", region},
		{"AWS_DEFAULT_REGION", region},
	}
	var err error
	switch format {
	case "process", "json":
		p := ProcessCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: exp}
		if format == "json" {
			p.Region, p.IdentityID = region, identityID
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(p)
	case "env":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "export %s=%s\n", v[0], ShellQuote(v[1]))
		}
	case "fish":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "set -gx %s %s;\n", v[0], ShellQuote(v[1]))
		}
	case "powershell":
		for _, v := range vars {
			_, err = fmt.Fprintf(w, "$Env:%s = '%s'\n", v[0], strings.ReplaceAll(v[1], "'", "''"))
		}
	default:
		err = fmt.Errorf("unknown credentials format %q", format)
	}
	return err
}

// ShellQuote quotes s for sh, bash, zsh and fish when it holds anything
// but letters, digits and -_./:=@.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
