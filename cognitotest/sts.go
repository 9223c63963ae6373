package cognitotest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The STS part of the emulator: AssumeRoleWithWebIdentity for the basic
// (classic) Cognito flow and GetCallerIdentity to check issued credentials.

const stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// writeSTSError writes an awsQuery error. typ is "Sender" (the caller's
// fault) or "Receiver".
func writeSTSError(w http.ResponseWriter, status int, typ, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + stsXMLNS + `"><Error><Type>`)
	xml.EscapeText(&b, []byte(typ))
	b.WriteString("</Type><Code>")
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message></Error><RequestId>")
	reqID := newRequestID()
	b.WriteString(reqID)
	b.WriteString("</RequestId></ErrorResponse>")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// writeSTSResult wraps result, which marshals as <OpResult>…</OpResult>, in
// <OpResponse>…<ResponseMetadata/></OpResponse>.
func writeSTSResult(w http.ResponseWriter, op string, result any) {
	inner, err := xml.Marshal(result)
	if err != nil {
		writeSTSError(w, http.StatusInternalServerError, "Receiver", "InternalFailure", "could not encode the response")
		return
	}
	reqID := newRequestID()
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, op, stsXMLNS)
	b.Write(inner)
	fmt.Fprintf(&b, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, reqID, op)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// handleSTS serves STS query-protocol requests.
func (s *Server) handleSTS(w http.ResponseWriter, r *http.Request, op string, form url.Values, body []byte) {
	switch op {
	case "AssumeRoleWithWebIdentity":
		s.assumeRoleWithWebIdentity(w, form)
	case "GetCallerIdentity":
		s.getCallerIdentity(w, r, body)
	case "":
		writeSTSError(w, http.StatusBadRequest, "Sender", "MissingAction", "Missing Action")
	default:
		writeSTSError(w, http.StatusBadRequest, "Sender", "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version 2011-06-15", op))
	}
}

// The length (2..64) is checked in code: a bounded repetition compiles into
// that many copies.
var roleSessionNameRE = lazyRegexp(`^[\w+=,.@-]+$`)

func (s *Server) assumeRoleWithWebIdentity(w http.ResponseWriter, form url.Values) {
	roleARN := form.Get("RoleArn")
	session := form.Get("RoleSessionName")
	token := form.Get("WebIdentityToken")
	validation := func(msg string) {
		writeSTSError(w, http.StatusBadRequest, "Sender", "ValidationError", msg)
	}
	switch {
	case roleARN == "":
		validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
		return
	case session == "":
		validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
		return
	case len(session) < 2 || len(session) > 64 || !roleSessionNameRE().MatchString(session):
		validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session))
		return
	case token == "":
		validation("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null")
		return
	}
	duration := time.Hour
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", v))
			return
		}
		if n < 900 {
			validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n))
			return
		}
		if n > 43200 {
			validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", n))
			return
		}
		duration = time.Duration(n) * time.Second
	}

	claims, err := s.verifyOpenIDToken(token)
	if err != nil {
		if errors.Is(err, errOpenIDExpired) {
			writeSTSError(w, http.StatusBadRequest, "Sender", "ExpiredTokenException", "Token expired: current date/time must be before the expiration date/time.")
			return
		}
		writeSTSError(w, http.StatusBadRequest, "Sender", "InvalidIdentityToken", "Invalid web identity token: "+err.Error())
		return
	}

	// Roles not registered (CreateRole, or named by an identity pool) are
	// refused, as a role whose trust policy does not name Cognito would be.
	s.mu.Lock()
	role, ok := s.identity.roles[roleARN]
	var roleCopy iamRole
	if ok {
		roleCopy = *role
	}
	s.mu.Unlock()
	if !ok {
		writeSTSError(w, http.StatusForbidden, "Sender", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		return
	}
	if duration > roleCopy.maxSession {
		validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		return
	}

	c := s.issueCredentials(claims.Sub, roleARN, session, duration)
	type xmlCreds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	writeSTSResult(w, "AssumeRoleWithWebIdentity", struct {
		XMLName                     xml.Name `xml:"AssumeRoleWithWebIdentityResult"`
		Credentials                 xmlCreds `xml:"Credentials"`
		SubjectFromWebIdentityToken string   `xml:"SubjectFromWebIdentityToken"`
		AssumedRoleArn              string   `xml:"AssumedRoleUser>Arn"`
		AssumedRoleID               string   `xml:"AssumedRoleUser>AssumedRoleId"`
		Provider                    string   `xml:"Provider"`
		Audience                    string   `xml:"Audience"`
	}{
		Credentials: xmlCreds{
			AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
			Expiration: c.Expiration.UTC().Format(time.RFC3339),
		},
		SubjectFromWebIdentityToken: claims.Sub,
		AssumedRoleArn:              assumedRoleARN(&roleCopy, session),
		AssumedRoleID:               roleCopy.roleID + ":" + session,
		Provider:                    openIDProvider,
		Audience:                    claims.Aud,
	})
}

func assumedRoleARN(role *iamRole, session string) string {
	partition := "aws"
	if p, _, ok := strings.Cut(strings.TrimPrefix(role.arn, "arn:"), ":"); ok {
		partition = p
	}
	return "arn:" + partition + ":sts::" + role.account + ":assumed-role/" + role.name + "/" + session
}

func (s *Server) getCallerIdentity(w http.ResponseWriter, r *http.Request, body []byte) {
	v, aerr := s.verifySigV4(r, body, "sts")
	if aerr != nil {
		s.logf("sts GetCallerIdentity refused: %v", aerr)
		stsAuthError(w, aerr)
		return
	}
	s.mu.Lock()
	role, ok := s.identity.roles[v.creds.RoleARN]
	var roleCopy iamRole
	if ok {
		roleCopy = *role
	}
	s.mu.Unlock()
	if !ok {
		// Credentials issued for a role that was never registered (a
		// pool role set before the emulator tracked it): derive what we can.
		if !validRoleARN(v.creds.RoleARN) {
			writeSTSError(w, http.StatusForbidden, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid.")
			return
		}
		s.mu.Lock()
		roleCopy = *s.newRoleLocked(v.creds.RoleARN, time.Hour)
		s.mu.Unlock()
	}
	writeSTSResult(w, "GetCallerIdentity", struct {
		XMLName xml.Name `xml:"GetCallerIdentityResult"`
		Arn     string   `xml:"Arn"`
		UserID  string   `xml:"UserId"`
		Account string   `xml:"Account"`
	}{
		Arn:     assumedRoleARN(&roleCopy, v.creds.RoleSessionName),
		UserID:  roleCopy.roleID + ":" + v.creds.RoleSessionName,
		Account: roleCopy.account,
	})
}

// stsAuthError maps a SigV4 failure to the error STS returns.
func stsAuthError(w http.ResponseWriter, e *sigV4Error) {
	switch e.kind {
	case authMissing:
		writeSTSError(w, http.StatusForbidden, "Sender", "MissingAuthenticationToken", "Request is missing Authentication Token")
	case authMalformed, authWrongRegion:
		writeSTSError(w, http.StatusBadRequest, "Sender", "IncompleteSignature", "The request signature does not conform to AWS standards: "+e.detail)
	case authUnknownKey, authBadToken:
		writeSTSError(w, http.StatusForbidden, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid.")
	case authExpired:
		writeSTSError(w, http.StatusBadRequest, "Sender", "ExpiredToken", "The security token included in the request is expired")
	case authSkewed:
		writeSTSError(w, http.StatusForbidden, "Sender", "SignatureDoesNotMatch", "Signature expired: the request time is too far from the server time.")
	default:
		writeSTSError(w, http.StatusForbidden, "Sender", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
}
