package awserr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestTransientAndDescribe(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		transient bool
		describe  string
	}{
		{"nil", nil, false, "failed"},
		{"throttled", &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "slow down"}, true, "the service is throttling requests (TooManyRequestsException: slow down)"},
		{"refused", &smithy.GenericAPIError{Code: "NotAuthorizedException", Message: "no"}, false, "the service refused the request (NotAuthorizedException: no)"},
		{"cut off", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, "the answer was cut off"},
		{"unreadable", &smithy.DeserializationError{Err: errors.New("invalid character '<'")}, false, "could not be read (invalid character '<')"},
		{"cancelled", context.Canceled, false, "context canceled"},
	} {
		if got := Transient(tc.err); got != tc.transient {
			t.Errorf("%s: Transient = %v; want %v", tc.name, got, tc.transient)
		}
		if got := Describe(tc.err); !strings.Contains(got, tc.describe) {
			t.Errorf("%s: Describe = %q; want it to contain %q", tc.name, got, tc.describe)
		}
	}
}
