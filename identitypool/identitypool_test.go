package identitypool

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/smithy-go"
)

type fakeAPI struct {
	getID    int
	creds    func(id string) (*ci.GetCredentialsForIdentityOutput, error)
	knownIDs map[string]bool
}

func (f *fakeAPI) GetId(context.Context, *ci.GetIdInput, ...func(*ci.Options)) (*ci.GetIdOutput, error) {
	f.getID++
	return &ci.GetIdOutput{IdentityId: aws.String("us-east-1:fresh")}, nil
}

func (f *fakeAPI) GetCredentialsForIdentity(_ context.Context, in *ci.GetCredentialsForIdentityInput, _ ...func(*ci.Options)) (*ci.GetCredentialsForIdentityOutput, error) {
	return f.creds(aws.ToString(in.IdentityId))
}

func (f *fakeAPI) GetOpenIdToken(context.Context, *ci.GetOpenIdTokenInput, ...func(*ci.Options)) (*ci.GetOpenIdTokenOutput, error) {
	return nil, errors.New("not used")
}

func out(akid, secret, token string, exp *time.Time) *ci.GetCredentialsForIdentityOutput {
	return &ci.GetCredentialsForIdentityOutput{Credentials: &types.Credentials{
		AccessKeyId: aws.String(akid), SecretKey: aws.String(secret), SessionToken: aws.String(token), Expiration: exp}}
}

func TestCredentialsValidated(t *testing.T) {
	soon := time.Now().Add(time.Hour)
	absurd := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		out  *ci.GetCredentialsForIdentityOutput
		want string
	}{
		{"no credentials", &ci.GetCredentialsForIdentityOutput{}, "no credentials"},
		{"no secret", out("A", "", "T", &soon), "lacks"},
		{"no expiration", out("A", "S", "T", nil), "no expiration"},
		{"absurd expiration", out("A", "S", "T", &absurd), "not plausible"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := New(&fakeAPI{creds: func(string) (*ci.GetCredentialsForIdentityOutput, error) { return tc.out, nil }}, "us-east-1:abc")
			_, err := c.GetCredentials(context.Background(), nil, "us-east-1:known")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want %q", err, tc.want)
			}
		})
	}
}

func TestForgottenIdentityLookedUpAgain(t *testing.T) {
	soon := time.Now().Add(time.Hour)
	f := &fakeAPI{}
	f.creds = func(id string) (*ci.GetCredentialsForIdentityOutput, error) {
		if id != "us-east-1:fresh" {
			return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Identity not found"}
		}
		return out("A", "S", "T", &soon), nil
	}
	c, _ := New(f, "us-east-1:abc")
	res, err := c.GetCredentials(context.Background(), nil, "us-east-1:deleted")
	if err != nil {
		t.Fatal(err)
	}
	if res.IdentityID != "us-east-1:fresh" || f.getID != 1 || res.Credentials.Source != ProviderName {
		t.Errorf("result %+v after %d GetId", res, f.getID)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	for _, tc := range []struct {
		id   string
		opt  func(*Options)
		want string
	}{
		{"nocolon", func(*Options) {}, "<region>:<uuid>"},
		{"us-east-1:x", func(o *Options) { o.Flow = FlowBasic }, "role ARN"},
		{"us-east-1:x", func(o *Options) { o.Flow = FlowBasic; o.RoleARN = "arn" }, "STS client"},
		{"us-east-1:x", func(o *Options) { o.Flow = "weird" }, "unknown flow"},
	} {
		if _, err := New(&fakeAPI{}, tc.id, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q): %v; want %q", tc.id, err, tc.want)
		}
	}
	if got := LoginsKey("eu-west-1_AbC"); got != "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC" {
		t.Errorf("LoginsKey = %q", got)
	}
}
