package cognitotest

import (
	"fmt"
	"strings"
	"time"
)

// Message is a code the emulator "sent" by SMS or email. Tests read them
// with Outbox or LastCode; `cognito-login emulator` prints them through
// Options.Logf.
type Message struct {
	To     string // phone number or email address
	Medium string // "SMS" or "EMAIL"
	Code   string
	// Purpose is "MFA" (SMS_MFA, EMAIL_OTP as MFA, MFA_SETUP by email),
	// "SIGN_IN_OTP" (USER_AUTH's EMAIL_OTP and SMS_OTP),
	// "FORGOT_PASSWORD" (ForgotPassword, AdminResetUserPassword) or
	// "VERIFY".
	Purpose    string
	UserPoolID string
	Username   string // the user's internal username (USER_ID_FOR_SRP)
	Sent       time.Time
}

// Message purposes.
const (
	PurposeMFA            = "MFA"
	PurposeSignInOTP      = "SIGN_IN_OTP"
	PurposeForgotPassword = "FORGOT_PASSWORD"
	PurposeVerify         = "VERIFY"
)

// maxOutbox bounds the outbox of a long-running emulator.
const maxOutbox = 1000

// codeValidity is how long an SMS or email code for a sign-in is good for.
const codeValidity = 3 * time.Minute

// forgotCodeValidity is how long a ForgotPassword code is good for.
const forgotCodeValidity = time.Hour

// Outbox returns a copy of every message sent so far, oldest first.
func (s *Server) Outbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.idp.outbox...)
}

// LastCode returns the code of the latest message sent to a user of a pool.
// username may be the internal username or anything the user signs in with
// (an email address in an email-as-username pool, an alias).
func (s *Server) LastCode(userPoolID, username string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := username
	if p := s.userPools[userPoolID]; p != nil {
		if u := p.findUser(username); u != nil {
			name = u.username
		}
	}
	for i := len(s.idp.outbox) - 1; i >= 0; i-- {
		m := s.idp.outbox[i]
		if m.UserPoolID == userPoolID && m.Username == name {
			return m.Code, true
		}
	}
	return "", false
}

// sendCodeLocked draws a 6-digit code and "sends" it: the outbox, and a line
// for Options.Logf.
func (s *Server) sendCodeLocked(p *userPool, u *poolUser, medium, to, purpose string) string {
	code := s.randomString(6, "0123456789")
	m := Message{
		To: to, Medium: medium, Code: code, Purpose: purpose,
		UserPoolID: p.id, Username: u.username, Sent: s.now(),
	}
	if len(s.idp.outbox) >= maxOutbox {
		s.idp.outbox = append(s.idp.outbox[:0:0], s.idp.outbox[len(s.idp.outbox)-maxOutbox+1:]...)
	}
	s.idp.outbox = append(s.idp.outbox, m)
	s.idp.pendingLogs = append(s.idp.pendingLogs,
		fmt.Sprintf("code %s sent by %s to %s for %s (%s)", code, medium, to, u.username, purpose))
	return code
}

// maskEmail hides an address as Cognito's CodeDeliveryDetails do:
// "alice@example.com" → "a***@e***".
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return firstRune(local) + "***@" + firstRune(domain) + "***"
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// maskPhone hides all but the last four digits: "+15555551234" → "+*******1234".
func maskPhone(phone string) string {
	if len(phone) <= 5 {
		return strings.Repeat("*", len(phone))
	}
	return "+" + strings.Repeat("*", len(phone)-5) + phone[len(phone)-4:]
}

// pendingCode is a code a user must give back (ForgotPassword).
type pendingCode struct {
	code    string
	expires time.Time
	tries   int
}
