package userpool

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Challenge is a question the user pool asks during sign-in.
type Challenge struct {
	// Name is Cognito's challenge name, for example "NEW_PASSWORD_REQUIRED".
	Name string
	// Parameters are the challenge parameters as the pool sent them.
	Parameters map[string]string
	// Username is the user's internal username.
	Username string
	// RequiredAttributes lists, for NEW_PASSWORD_REQUIRED, the user
	// attributes the pool requires a value for (without the
	// "userAttributes." prefix).
	RequiredAttributes []string
}

// Answer is a ChallengeHandler's reply.
type Answer struct {
	// NewPassword answers NEW_PASSWORD_REQUIRED.
	NewPassword string
	// Attributes are values for RequiredAttributes.
	Attributes map[string]string
}

// String redacts the new password.
func (a Answer) String() string {
	keys := make([]string, 0, len(a.Attributes))
	for k := range a.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("Answer{NewPassword:[redacted] Attributes:%v}", keys)
}

// ChallengeHandler answers a challenge. The library calls it; a terminal
// implementation lives in the CLI. Returning an error stops the sign-in with
// that error.
type ChallengeHandler func(ctx context.Context, ch *Challenge) (*Answer, error)

// ChallengeError is returned when the pool asks a challenge and no handler
// (or no answer) was given.
type ChallengeError struct {
	Challenge string
	Reason    string
}

func (e *ChallengeError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("the user pool asks %s: %s", e.Challenge, e.Reason)
	}
	return fmt.Sprintf("the user pool asks %s and no answer was given", e.Challenge)
}

// answer builds ChallengeResponses for ch with the handler's help.
func (c *Client) answer(ctx context.Context, ch *Challenge) (map[string]string, error) {
	switch ch.Name {
	case "NEW_PASSWORD_REQUIRED":
		req, err := requiredAttributes(ch.Parameters["requiredAttributes"])
		if err != nil {
			return nil, &Error{Op: "RespondToAuthChallenge", Err: err}
		}
		ch.RequiredAttributes = req
		if c.opts.Handler == nil {
			return nil, &ChallengeError{Challenge: ch.Name, Reason: "a new password must be set"}
		}
		a, err := c.opts.Handler(ctx, ch)
		if err != nil {
			return nil, err
		}
		if a == nil || a.NewPassword == "" {
			return nil, &ChallengeError{Challenge: ch.Name, Reason: "no new password given"}
		}
		out := map[string]string{"NEW_PASSWORD": a.NewPassword}
		for _, name := range req {
			v := a.Attributes[name]
			if v == "" {
				return nil, &ChallengeError{Challenge: ch.Name, Reason: fmt.Sprintf("the pool requires attribute %q", name)}
			}
			out["userAttributes."+name] = v
		}
		return out, nil
	default:
		// MFA, device and custom challenges are answered in a later version.
		return nil, &ChallengeError{Challenge: ch.Name, Reason: "this version cannot answer it yet"}
	}
}

// requiredAttributes decodes the JSON list in the requiredAttributes
// challenge parameter, dropping the "userAttributes." prefix.
func requiredAttributes(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("requiredAttributes challenge parameter is not a JSON list of names")
	}
	for i, a := range list {
		list[i] = strings.TrimPrefix(a, "userAttributes.")
	}
	return list, nil
}
