package cognitologin

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/loginwithcognito/cognitologin/internal/sessiondata"
)

// Session sources.
const (
	SourceHostedUI = sessiondata.SourceHostedUI
	SourceExternal = sessiondata.SourceExternal
)

// SessionVersion is the format version written into session files.
const SessionVersion = sessiondata.SessionVersion

// Session is what a sign-in leaves behind: the user pool tokens, the
// identity id and the latest temporary credentials. It holds secrets; its
// String method redacts them.
type Session = sessiondata.Session

// StoredCredentials are temporary AWS credentials as kept in a session;
// AWSCredentials converts them for the SDK.
type StoredCredentials = sessiondata.StoredCredentials

// ErrCorruptSession reports a session file that cannot be used.
var ErrCorruptSession = sessiondata.ErrCorruptSession

// DecodeSession parses a stored session, checking its version and the
// presence of what a session must have.
func DecodeSession(data []byte) (*Session, error) { return sessiondata.DecodeSession(data) }

// ProviderName is the aws.Credentials.Source of credentials from a stored
// session.
const ProviderName = "CognitoLoginSession"

// AWSCredentials converts stored credentials to aws.Credentials.
func AWSCredentials(c *StoredCredentials) aws.Credentials {
	return aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Source: ProviderName, CanExpire: true, Expires: c.Expiration,
	}
}
