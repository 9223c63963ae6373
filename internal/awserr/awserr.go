// Package awserr describes failed aws-sdk-go-v2 calls for people: what the
// service answered or what happened on the way, and whether trying again may
// help. The user pool and identity pool packages share it.
package awserr

import (
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Transient reports whether err is a failure that may pass by itself:
// what the SDK's standard retryer retries (throttling, HTTP 500, 502, 503
// and 504, connection errors, timeouts) and an answer cut off before its
// end. A cancelled context is not transient.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// Describe says in a few words how an SDK call failed: what the
// service answered, or what happened on the way. Errors that did not come
// from the SDK are returned as they are.
func Describe(err error) string {
	if err == nil {
		return "failed"
	}
	var ae smithy.APIError
	var de *smithy.DeserializationError
	var ce interface{ ConnectionError() bool }
	var te interface{ Timeout() bool }
	var s string
	switch {
	case errors.As(err, &ae):
		what := "the service refused the request"
		status := HTTPStatus(err)
		if Transient(err) {
			what = "the service is unavailable"
			if _, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; ok {
				what = "the service is throttling requests"
			}
		}
		s = what + " (" + ae.ErrorCode()
		if msg := ae.ErrorMessage(); msg != "" {
			s += ": " + msg
		}
		if status != 0 {
			s += fmt.Sprintf(", HTTP %d", status)
		}
		s += ")"
	case errors.Is(err, io.ErrUnexpectedEOF):
		s = "the answer was cut off (the connection closed before its end)"
	case errors.As(err, &de):
		s = "the service's answer could not be read (" + de.Err.Error() + ")"
	case errors.As(err, &ce) && ce.ConnectionError(), errors.As(err, &te) && te.Timeout():
		what := "the connection failed"
		if errors.As(err, &te) && te.Timeout() {
			what = "the request timed out"
		}
		cause := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err.Error()
		}
		s = what + " (" + cause + ")"
	default:
		return err.Error()
	}
	return s + AttemptsNote(err)
}

// AttemptsNote is " after N attempts" when the SDK retried.
func AttemptsNote(err error) string {
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) && me.Attempt > 1 {
		return fmt.Sprintf(" after %d attempts", me.Attempt)
	}
	return ""
}

// HTTPStatus is the HTTP status of the answer an SDK error came from, or 0.
func HTTPStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
