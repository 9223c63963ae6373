package userpool

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// fakeAPI answers InitiateAuth and RespondToAuthChallenge from functions,
// so tests can play a hostile or broken server.
type fakeAPI struct {
	APIClient // methods a test does not set panic (nil interface)
	initiate  func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error)
	respond   func(*cip.RespondToAuthChallengeInput) (*cip.RespondToAuthChallengeOutput, error)
}

func (f *fakeAPI) InitiateAuth(_ context.Context, in *cip.InitiateAuthInput, _ ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	return f.initiate(in)
}

func (f *fakeAPI) RespondToAuthChallenge(_ context.Context, in *cip.RespondToAuthChallengeInput, _ ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error) {
	if f.respond == nil {
		return nil, errors.New("unexpected RespondToAuthChallenge")
	}
	return f.respond(in)
}

func (f *fakeAPI) RevokeToken(context.Context, *cip.RevokeTokenInput, ...func(*cip.Options)) (*cip.RevokeTokenOutput, error) {
	return &cip.RevokeTokenOutput{}, nil
}

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func verifier(params map[string]string) func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error) {
	return func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error) {
		return &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeParameters: params}, nil
	}
}

func TestHostileServerAnswers(t *testing.T) {
	good := map[string]string{"SALT": "abcd", "SRP_B": "1234", "SECRET_BLOCK": "c2VjcmV0", "USER_ID_FOR_SRP": "u", "USERNAME": "u"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	nNum := "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
	cases := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"B is zero", with("SRP_B", "0"), "SRP_B is 0 mod N"},
		{"B is N", with("SRP_B", nNum), "SRP_B is 0 mod N"},
		{"B not hex", with("SRP_B", "xyz"), "SRP_B is not hexadecimal"},
		{"B missing", with("SRP_B", ""), "SRP_B is missing"},
		{"salt not hex", with("SALT", "zz"), "SALT is not hexadecimal"},
		{"secret block not base64 (moto)", with("SECRET_BLOCK", "6f1d-uuid-like"), "auth_flow"},
		{"user id missing", with("USER_ID_FOR_SRP", ""), "USER_ID_FOR_SRP is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(&fakeAPI{initiate: verifier(tc.params)}, "us-east-1_Pool", "client")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SignIn(context.Background(), "alice", "Sentinel-Password-1")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "Sentinel-Password-1") {
				t.Errorf("the password leaked into the error: %v", err)
			}
		})
	}
}

func TestTokensValidated(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		result  *types.AuthenticationResultType
		wantErr string
		wantExp time.Time
	}{
		{"no id token", &types.AuthenticationResultType{AccessToken: aws.String("a")}, "no ID or access token", time.Time{}},
		{"id token not a JWT", &types.AuthenticationResultType{AccessToken: aws.String("a"), IdToken: aws.String("garbage")}, "not a JWT", time.Time{}},
		{"claims not JSON", &types.AuthenticationResultType{AccessToken: aws.String("a"), IdToken: aws.String(jwt("[1,2"))}, "not a JSON object", time.Time{}},
		{"absurd exp", &types.AuthenticationResultType{AccessToken: aws.String("a"), IdToken: aws.String(jwt(`{"sub":"s","exp":1e300}`))}, "plausible", time.Time{}},
		{"absurd ExpiresIn falls back to exp", &types.AuthenticationResultType{AccessToken: aws.String("a"), ExpiresIn: 1 << 30,
			IdToken: aws.String(jwt(fmt.Sprintf(`{"sub":"s","cognito:username":"u","exp":%d}`, now.Add(time.Hour).Unix())))}, "", now.Add(time.Hour)},
		{"ExpiresIn", &types.AuthenticationResultType{AccessToken: aws.String("a"), ExpiresIn: 600,
			IdToken: aws.String(jwt(fmt.Sprintf(`{"sub":"s","exp":%d}`, now.Add(time.Hour).Unix())))}, "", now.Add(10 * time.Minute)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{initiate: func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error) {
				return &cip.InitiateAuthOutput{AuthenticationResult: tc.result}, nil
			}}
			c, _ := New(api, "us-east-1_Pool", "client", func(o *Options) { o.AuthFlow = FlowPassword; o.Now = func() time.Time { return now } })
			tok, err := c.SignIn(context.Background(), "alice", "pw")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tok.ExpiresAt.Equal(tc.wantExp) {
				t.Errorf("ExpiresAt = %s; want %s", tok.ExpiresAt, tc.wantExp)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", tok, tok, tok), jwt("")[:10]) {
				t.Errorf("tokens printable: %v", tok)
			}
		})
	}
}

func TestErrorClassification(t *testing.T) {
	cases := []struct {
		code, msg string
		want      error
	}{
		{"NotAuthorizedException", "Incorrect username or password.", ErrIncorrectCredentials},
		{"NotAuthorizedException", "User is disabled.", ErrUserDisabled},
		{"NotAuthorizedException", "Invalid session for the user, session is expired.", ErrSessionExpired},
		{"NotAuthorizedException", "Refresh Token has been revoked", ErrRefreshTokenInvalid},
		{"NotAuthorizedException", "Unable to verify secret hash for client abc", ErrSecretHash},
		{"UserNotFoundException", "User does not exist.", ErrUserNotFound},
		{"PasswordResetRequiredException", "Password reset required for the user", ErrPasswordResetRequired},
		{"UserNotConfirmedException", "User is not confirmed.", ErrUserNotConfirmed},
		{"TooManyRequestsException", "Too many requests", ErrTooManyRequests},
		{"InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", ErrFlowNotEnabled},
	}
	for _, tc := range cases {
		err := classify("InitiateAuth", &smithy.GenericAPIError{Code: tc.code, Message: tc.msg})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s %q → %v; want %v", tc.code, tc.msg, err, tc.want)
		}
		var e *Error
		if !errors.As(err, &e) || e.Hint == "" || e.Code != tc.code {
			t.Errorf("%s: no hint or code in %#v", tc.code, err)
		}
	}
	err := classify("InitiateAuth", &smithy.GenericAPIError{Code: "TooManyRequestsException"})
	var e *Error
	if errors.As(err, &e); !e.Retryable() {
		t.Errorf("throttling not retryable")
	}
}

func TestNewPasswordHandlerAndRequiredAttributes(t *testing.T) {
	var answered map[string]string
	api := &fakeAPI{
		initiate: func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error) {
			return &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: aws.String("S"),
				ChallengeParameters: map[string]string{"USERNAME": "internal-u", "requiredAttributes": `["userAttributes.name"]`}}, nil
		},
		respond: func(in *cip.RespondToAuthChallengeInput) (*cip.RespondToAuthChallengeOutput, error) {
			answered = in.ChallengeResponses
			return &cip.RespondToAuthChallengeOutput{AuthenticationResult: &types.AuthenticationResultType{
				AccessToken: aws.String("a"), IdToken: aws.String(jwt(`{"sub":"s","cognito:username":"internal-u"}`))}}, nil
		},
	}
	c, _ := New(api, "us-east-1_Pool", "client", func(o *Options) {
		o.AuthFlow = FlowPassword
		o.ClientSecret = "sekrit"
		o.Handler = func(_ context.Context, ch *Challenge) (*Answer, error) {
			if len(ch.RequiredAttributes) != 1 || ch.RequiredAttributes[0] != "name" {
				return nil, fmt.Errorf("required attributes = %v", ch.RequiredAttributes)
			}
			return &Answer{NewPassword: "New-Pass-1", Attributes: map[string]string{"name": "Alice"}}, nil
		}
	})
	tok, err := c.SignIn(context.Background(), "alice@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Username != "internal-u" || answered["NEW_PASSWORD"] != "New-Pass-1" || answered["userAttributes.name"] != "Alice" ||
		answered["USERNAME"] != "internal-u" || answered["SECRET_HASH"] == "" {
		t.Errorf("answers = %v, username %q", answered, tok.Username)
	}
	// Without a handler: a ChallengeError naming the challenge.
	c2, _ := New(api, "us-east-1_Pool", "client", func(o *Options) { o.AuthFlow = FlowPassword })
	_, err = c2.SignIn(context.Background(), "alice", "pw")
	var ce *ChallengeError
	if !errors.As(err, &ce) || ce.Challenge != "NEW_PASSWORD_REQUIRED" {
		t.Errorf("err = %v; want a ChallengeError", err)
	}
}

func FuzzDecodeClaims(f *testing.F) {
	f.Add(jwt(`{"sub":"s","cognito:username":"u","exp":1795299635,"aud":"c"}`))
	f.Add(jwt(`{"aud":["a","b"],"iat":-1}`))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := DecodeClaims(token)
		if err == nil && c.Username == "" && c.Sub != "" {
			t.Fatalf("username not defaulted to sub: %+v", c)
		}
	})
}

// TestPasskeyOnlyNeedsBrowser: when the pool offers nothing but WEB_AUTHN,
// the sign-in ends with ErrPasskeyNeedsBrowser instead of a bare failure.
func TestPasskeyOnlyNeedsBrowser(t *testing.T) {
	api := &fakeAPI{initiate: func(*cip.InitiateAuthInput) (*cip.InitiateAuthOutput, error) {
		return &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypeSelectChallenge, Session: aws.String("S"),
			AvailableChallenges: []types.ChallengeNameType{types.ChallengeNameTypeWebAuthn}}, nil
	}}
	asked := false
	c, _ := New(api, "us-east-1_Pool", "client", func(o *Options) {
		o.AuthFlow = FlowUserAuth
		o.Handler = func(context.Context, *Challenge) (*Answer, error) { asked = true; return nil, ErrNoAnswer }
	})
	_, err := c.SignIn(context.Background(), "alice", "")
	if !errors.Is(err, ErrPasskeyNeedsBrowser) || !strings.Contains(err.Error(), "browser") {
		t.Errorf("err = %v; want ErrPasskeyNeedsBrowser", err)
	}
	if asked {
		t.Errorf("the handler was asked to choose among nothing usable")
	}
}
