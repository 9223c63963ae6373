package cognitotest

import (
	"crypto/subtle"
)

// This file holds the password lifecycle besides sign-in: ForgotPassword and
// ConfirmForgotPassword (codes by email or SMS, through the outbox) and
// ChangePassword.

// maxForgotTries is how many wrong ConfirmForgotPassword codes a pending
// code takes before the user must ask for a new one.
const maxForgotTries = 5

type codeDeliveryJSON struct {
	Destination    string
	DeliveryMedium string
	AttributeName  string
}

// sendForgotCodeLocked sends u a password reset code by verified email, or
// else by verified phone number.
func (s *Server) sendForgotCodeLocked(p *userPool, u *poolUser) (*codeDeliveryJSON, *apiError) {
	var medium, attr, to, masked string
	switch {
	case u.attrs["email"] != "" && u.attrs["email_verified"] == "true":
		medium, attr, to = "EMAIL", "email", u.attrs["email"]
		masked = maskEmail(to)
	case u.attrs["phone_number"] != "" && u.attrs["phone_number_verified"] == "true":
		medium, attr, to = "SMS", "phone_number", u.attrs["phone_number"]
		masked = maskPhone(to)
	default:
		return nil, apiErr(errInvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	code := s.sendCodeLocked(p, u, medium, to, PurposeForgotPassword)
	u.forgot = &pendingCode{code: code, expires: s.now().Add(forgotCodeValidity)}
	return &codeDeliveryJSON{Destination: masked, DeliveryMedium: medium, AttributeName: attr}, nil
}

type forgotPasswordInput struct {
	ClientId   string
	Username   string
	SecretHash string
}

func (s *Server) opForgotPassword(in *forgotPasswordInput) (any, *apiError) {
	c, p, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	if in.Username == "" {
		return nil, missingParam("Username")
	}
	if aerr := c.checkSecretHash(in.Username, in.SecretHash); aerr != nil {
		return nil, aerr
	}
	u := p.findUser(in.Username)
	if u == nil {
		if c.preventUserExistenceErrors {
			// Look as if a code went out.
			return map[string]any{"CodeDeliveryDetails": codeDeliveryJSON{
				Destination: maskEmail(in.Username + "@example.com"), DeliveryMedium: "EMAIL", AttributeName: "email",
			}}, nil
		}
		return nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	if !u.enabled {
		return nil, apiErr(errNotAuthorized, msgUserDisabled)
	}
	if u.status == statusForceChangePassword {
		return nil, apiErr(errNotAuthorized, "User password cannot be reset in the current state.")
	}
	details, aerr := s.sendForgotCodeLocked(p, u)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"CodeDeliveryDetails": details}, nil
}

type confirmForgotPasswordInput struct {
	ClientId         string
	Username         string
	ConfirmationCode string
	Password         string
	SecretHash       string
}

const (
	msgForgotCodeMismatch = "Invalid verification code provided, please try again."
	msgForgotCodeExpired  = "Invalid code provided, please request a code again."
)

func (s *Server) opConfirmForgotPassword(in *confirmForgotPasswordInput) (any, *apiError) {
	c, p, aerr := s.clientLocked(in.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case in.Username == "":
		return nil, missingParam("Username")
	case in.ConfirmationCode == "":
		return nil, missingParam("ConfirmationCode")
	case in.Password == "":
		return nil, missingParam("Password")
	}
	if aerr := c.checkSecretHash(in.Username, in.SecretHash); aerr != nil {
		return nil, aerr
	}
	u := p.findUser(in.Username)
	if u == nil {
		if c.preventUserExistenceErrors {
			return nil, apiErr(errCodeMismatch, msgForgotCodeMismatch)
		}
		return nil, apiErr(errUserNotFound, msgUserDoesNotExist)
	}
	if !u.enabled {
		return nil, apiErr(errNotAuthorized, msgUserDisabled)
	}
	pc := u.forgot
	if pc == nil {
		return nil, apiErr(errCodeMismatch, msgForgotCodeMismatch)
	}
	if !s.now().Before(pc.expires) {
		u.forgot = nil
		return nil, apiErr(errExpiredCode, msgForgotCodeExpired)
	}
	if pc.tries >= maxForgotTries {
		return nil, apiErr(errLimitExceeded, "Attempt limit exceeded, please try after some time.")
	}
	if subtle.ConstantTimeCompare([]byte(in.ConfirmationCode), []byte(pc.code)) != 1 {
		pc.tries++
		return nil, apiErr(errCodeMismatch, msgForgotCodeMismatch)
	}
	// A password the policy refuses leaves the code usable.
	prev := u.status
	if aerr := s.setPasswordLocked(p, u, in.Password, true); aerr != nil {
		return nil, aerr
	}
	if prev == statusUnconfirmed {
		u.status = statusUnconfirmed
	}
	u.forgot = nil
	return struct{}{}, nil
}

type changePasswordInput struct {
	AccessToken      string
	PreviousPassword string
	ProposedPassword string
}

func (s *Server) opChangePassword(in *changePasswordInput) (any, *apiError) {
	p, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	if in.PreviousPassword == "" {
		return nil, missingParam("PreviousPassword")
	}
	if in.ProposedPassword == "" {
		return nil, missingParam("ProposedPassword")
	}
	if !p.passwordMatches(u, in.PreviousPassword) {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	if aerr := s.setPasswordLocked(p, u, in.ProposedPassword, true); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}
