package userpool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/loginwithcognito/cognitologin/internal/awserr"
)

// Sentinel errors for the outcomes a caller acts on. Errors returned by this
// package match them with errors.Is.
var (
	// ErrIncorrectCredentials: the user pool refused the username and
	// password (Cognito answers this for unknown users too when the pool
	// hides whether a user exists).
	ErrIncorrectCredentials = errors.New("incorrect username or password")
	// ErrUserNotFound: the user pool has no such user.
	ErrUserNotFound = errors.New("no such user in the user pool")
	// ErrUserDisabled: an administrator disabled the user.
	ErrUserDisabled = errors.New("user is disabled")
	// ErrPasswordResetRequired: an administrator reset the password; the
	// user must set a new one with a code before signing in.
	ErrPasswordResetRequired = errors.New("password reset required")
	// ErrUserNotConfirmed: the user signed up but never confirmed.
	ErrUserNotConfirmed = errors.New("user is not confirmed")
	// ErrTooManyRequests: Cognito throttled the request; try again later.
	ErrTooManyRequests = errors.New("too many requests")
	// ErrSessionExpired: a challenge was answered after its session (three
	// minutes) ran out; sign in again.
	ErrSessionExpired = errors.New("sign-in session expired")
	// ErrRefreshTokenInvalid: the refresh token expired or was revoked; the
	// user must sign in again.
	ErrRefreshTokenInvalid = errors.New("refresh token expired or revoked")
	// ErrInvalidPassword: a new password does not meet the pool's policy.
	ErrInvalidPassword = errors.New("password does not meet the user pool's policy")
	// ErrFlowNotEnabled: the app client does not allow the auth flow used.
	ErrFlowNotEnabled = errors.New("auth flow not enabled for the app client")
	// ErrSecretHash: the app client has a secret and SECRET_HASH was
	// missing or wrong.
	ErrSecretHash = errors.New("client secret missing or wrong")
	// ErrCodeMismatch: an MFA, one-time or confirmation code was wrong.
	ErrCodeMismatch = errors.New("the code is wrong")
	// ErrCodeExpired: a confirmation code is too old; ask for a new one.
	ErrCodeExpired = errors.New("the code has expired")
)

// Error is a failed step of a sign-in, refresh or sign-out.
type Error struct {
	// Op is the Cognito operation that failed ("InitiateAuth",
	// "RespondToAuthChallenge", "RevokeToken").
	Op string
	// Code is Cognito's exception name, when the service answered.
	Code string
	// Kind is one of the sentinel errors above, or nil.
	Kind error
	// Hint tells a person what to do next.
	Hint string
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
		if e.Err != nil {
			if msg := serviceMessage(e.Err); msg != "" && !strings.EqualFold(strings.TrimSuffix(msg, "."), e.Kind.Error()) {
				fmt.Fprintf(&b, " (%s)", msg)
			}
			b.WriteString(awserr.AttemptsNote(e.Err))
		}
	} else if e.Err != nil {
		b.WriteString(awserr.Describe(e.Err))
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Retryable reports whether trying the same thing again later may help:
// the pool throttled the request, or it failed in a way that passes (a
// server error, a connection that failed or timed out, an answer cut off)
// and the SDK's own retries did not get through. A refusal (wrong
// password, expired refresh token, …) is not retryable.
func (e *Error) Retryable() bool {
	if e.Kind != nil {
		return e.Kind == ErrTooManyRequests
	}
	return awserr.Transient(e.Err)
}

// hintTransient and hintUnreadable are the hints of failures that are not
// a verdict of the pool.
const (
	hintTransient  = "this is likely temporary: try again in a moment"
	hintUnreadable = "check the endpoint (AWS_ENDPOINT_URL) and any proxy in between; if it persists, try again later"
)

func serviceMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// classify turns an SDK error from op into an *Error that says what to do.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Err: err}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		var de *smithy.DeserializationError
		switch {
		case awserr.Transient(err):
			e.Hint = hintTransient
		case errors.As(err, &de):
			e.Hint = hintUnreadable
		}
		return e
	}
	e.Code = ae.ErrorCode()
	msg := ae.ErrorMessage()
	switch e.Code {
	case "NotAuthorizedException":
		switch {
		case strings.Contains(msg, "disabled"):
			e.Kind, e.Hint = ErrUserDisabled, "ask the user pool's administrator to enable the user"
		case strings.Contains(msg, "session is expired") || strings.Contains(msg, "Invalid session"):
			e.Kind, e.Hint = ErrSessionExpired, "sign in again"
		case strings.Contains(msg, "Refresh Token") || strings.Contains(msg, "refresh token"):
			e.Kind, e.Hint = ErrRefreshTokenInvalid, "sign in again"
		case strings.Contains(strings.ToLower(msg), "secret hash"), strings.Contains(msg, "SECRET_HASH"):
			e.Kind, e.Hint = ErrSecretHash, "set client_secret (or COGNITO_LOGIN_CLIENT_SECRET) to the app client's secret"
		case op == "InitiateAuth(REFRESH_TOKEN_AUTH)" || op == "GetTokensFromRefreshToken":
			e.Kind, e.Hint = ErrRefreshTokenInvalid, "sign in again"
		default:
			e.Kind, e.Hint = ErrIncorrectCredentials, "check the username and password"
		}
	case "UserNotFoundException":
		e.Kind, e.Hint = ErrUserNotFound, "check the username, or ask the administrator to create the user"
	case "PasswordResetRequiredException":
		e.Kind, e.Hint = ErrPasswordResetRequired, "reset the password (forgot-password flow) before signing in"
	case "UserNotConfirmedException":
		e.Kind, e.Hint = ErrUserNotConfirmed, "confirm the account with the code that was sent, or ask the administrator to confirm it"
	case "TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException":
		e.Kind, e.Hint = ErrTooManyRequests, "wait a little and try again"
	case "CodeMismatchException", "EnableSoftwareTokenMFAException":
		e.Kind, e.Hint = ErrCodeMismatch, "check the code and try again"
	case "ExpiredCodeException":
		e.Kind, e.Hint = ErrCodeExpired, "ask for a new code"
	case "InvalidPasswordException":
		e.Kind, e.Hint = ErrInvalidPassword, "choose a password that meets the pool's policy"
	case "InvalidParameterException":
		if strings.Contains(msg, "flow not enabled") {
			e.Kind, e.Hint = ErrFlowNotEnabled, "enable the flow on the app client, or choose another auth_flow"
		}
	default:
		if awserr.Transient(err) {
			e.Hint = hintTransient
		}
	}
	return e
}
