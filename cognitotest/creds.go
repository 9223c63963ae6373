package cognitotest

import "time"

// issuedCredentials are temporary AWS credentials the emulator handed out
// (from GetCredentialsForIdentity or AssumeRoleWithWebIdentity). S3 requests
// are checked against them.
type issuedCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	IdentityID      string // cognito identity id the credentials belong to
	RoleARN         string
	RoleSessionName string
}

// issueCredentials creates and records credentials valid for d from now.
func (s *Server) issueCredentials(identityID, roleARN, sessionName string, d time.Duration) issuedCredentials {
	c := issuedCredentials{
		AccessKeyID:     "ASIA" + s.randomString(16, alnumUpper),
		SecretAccessKey: s.randomString(40, alnum),
		SessionToken:    "IQoJemulator" + s.randomString(180, alnum),
		Expiration:      s.now().Add(d).UTC().Truncate(time.Second),
		IdentityID:      identityID,
		RoleARN:         roleARN,
		RoleSessionName: sessionName,
	}
	s.mu.Lock()
	s.creds[c.AccessKeyID] = &c
	s.mu.Unlock()
	return c
}

// lookupCredentials finds credentials by access key id.
func (s *Server) lookupCredentials(accessKeyID string) (issuedCredentials, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.creds[accessKeyID]
	if !ok {
		return issuedCredentials{}, false
	}
	return *c, true
}
