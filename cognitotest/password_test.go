package cognitotest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

func TestForgotPassword(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "alice@example.com"})
	a.user("phoebe", goodPassword, map[string]string{"phone_number": "+15555550000"})
	ctx := context.Background()
	hash := func(u string) *string { return aws.String(srp.SecretHash(u, a.clientID, a.secret)) }
	forgot := func(u string) (*cip.ForgotPasswordOutput, error) {
		return f.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: &a.clientID, Username: &u, SecretHash: hash(u)})
	}
	confirm := func(u, code, pw string) error {
		_, err := f.client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
			ClientId: &a.clientID, Username: &u, ConfirmationCode: &code, Password: &pw, SecretHash: hash(u),
		})
		return err
	}

	_, err := f.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: &a.clientID, Username: aws.String("alice")})
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	_, err = forgot("nobody")
	wantIDPError[*types.UserNotFoundException](t, err, "")

	out, err := forgot("alice")
	if err != nil {
		t.Fatal(err)
	}
	d := out.CodeDeliveryDetails
	if aws.ToString(d.Destination) != "a***@e***" || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.AttributeName) != "email" {
		t.Errorf("CodeDeliveryDetails = %+v", d)
	}
	box := f.s.Outbox()
	if len(box) != 1 || box[0].Purpose != PurposeForgotPassword || box[0].To != "alice@example.com" || box[0].Medium != "EMAIL" {
		t.Fatalf("outbox = %+v", box)
	}
	code := box[0].Code
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantIDPError[*types.CodeMismatchException](t, confirm("alice", wrong, "Brand-new-pass-2"), "Invalid verification code provided, please try again.")
	wantIDPError[*types.InvalidPasswordException](t, confirm("alice", code, "weak"), "")
	// Codes last an hour.
	f.clock.Advance(time.Hour + time.Second)
	wantIDPError[*types.ExpiredCodeException](t, confirm("alice", code, "Brand-new-pass-2"), "")

	if _, err := forgot("alice"); err != nil {
		t.Fatal(err)
	}
	if err := confirm("alice", a.lastCode("alice"), "Brand-new-pass-2"); err != nil {
		t.Fatal(err)
	}
	// The code is spent, the old password is gone, the new one works.
	wantIDPError[*types.CodeMismatchException](t, confirm("alice", a.lastCode("alice"), "Brand-new-pass-3"), "")
	_, err = a.srp("alice", goodPassword, "")
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")
	if _, err := a.password("alice", "Brand-new-pass-2", nil); err != nil {
		t.Fatal(err)
	}

	// By SMS for a user with only a phone number.
	out, err = forgot("phoebe")
	if err != nil {
		t.Fatal(err)
	}
	if d := out.CodeDeliveryDetails; d.DeliveryMedium != types.DeliveryMediumTypeSms || aws.ToString(d.Destination) != "+*******0000" {
		t.Errorf("CodeDeliveryDetails = %+v", d)
	}
	// Too many wrong codes.
	for i := 0; i < 5; i++ {
		wantIDPError[*types.CodeMismatchException](t, confirm("phoebe", "999999x", "Brand-new-pass-2"), "")
	}
	wantIDPError[*types.LimitExceededException](t, confirm("phoebe", a.lastCode("phoebe"), "Brand-new-pass-2"), "")
}

func TestResetRequiredThenConfirmForgotPassword(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"email": "alice@example.com"})
	ctx := context.Background()
	if _, err := f.client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &a.poolID, Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err := a.password("alice", goodPassword, nil)
	wantIDPError[*types.PasswordResetRequiredException](t, err, "")
	// AdminResetUserPassword sent a code.
	box := f.s.Outbox()
	if len(box) != 1 || box[0].Purpose != PurposeForgotPassword {
		t.Fatalf("outbox = %+v", box)
	}
	// The client asks for a fresh one, as cognito-login does.
	if _, err := f.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: &a.clientID, Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: &a.clientID, Username: aws.String("alice"), ConfirmationCode: aws.String(a.lastCode("alice")), Password: aws.String("Brand-new-pass-2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &a.poolID, Username: aws.String("alice")})
	if err != nil || got.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("status = %v, %v", got.UserStatus, err)
	}
	out, err := a.srp("alice", "Brand-new-pass-2", "")
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, out.AuthenticationResult)

	// A user with a temporary password cannot use ForgotPassword.
	if _, err := f.s.CreateUser(a.poolID, "tim", "Temporary-pass-1", map[string]string{"email": "tim@example.com"}, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: &a.clientID, Username: aws.String("tim")})
	wantIDPError[*types.NotAuthorizedException](t, err, "User password cannot be reset in the current state.")
}

func TestChangePassword(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()
	out, err := a.srp("alice", goodPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	at := out.AuthenticationResult.AccessToken
	change := func(prev, next string) error {
		_, err := f.client.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: at, PreviousPassword: &prev, ProposedPassword: &next})
		return err
	}
	wantIDPError[*types.NotAuthorizedException](t, change("Wrong-pass-1", "Brand-new-pass-2"), "Incorrect username or password.")
	wantIDPError[*types.InvalidPasswordException](t, change(goodPassword, "short"), "")
	if err := change(goodPassword, "Brand-new-pass-2"); err != nil {
		t.Fatal(err)
	}
	_, err = a.srp("alice", goodPassword, "")
	wantIDPError[*types.NotAuthorizedException](t, err, "")
	if _, err := a.srp("alice", "Brand-new-pass-2", ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String("nope"), PreviousPassword: aws.String("a"), ProposedPassword: aws.String("b")})
	wantIDPError[*types.NotAuthorizedException](t, err, "")
}

// NEW_PASSWORD_REQUIRED asks for the pool's required attributes the user
// lacks, and MFA follows it.
func TestNewPasswordRequiredAttributesThenMFA(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{RequiredAttributes: []string{"name", "email"}, MFA: "ON", SMSMFA: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	if _, err := f.s.CreateUser(a.poolID, "dave", "Temporary-pass-1", map[string]string{"email": "dave@example.com", "phone_number": "+15555554321"}, true); err != nil {
		t.Fatal(err)
	}
	out, err := a.srp("dave", "Temporary-pass-1", "")
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeNewPasswordRequired)
	var req []string
	if err := json.Unmarshal([]byte(out.ChallengeParameters["requiredAttributes"]), &req); err != nil || len(req) != 1 || req[0] != "userAttributes.name" {
		t.Fatalf("requiredAttributes = %s", out.ChallengeParameters["requiredAttributes"])
	}
	_, err = a.respond(types.ChallengeNameTypeNewPasswordRequired, out.Session, map[string]string{"USERNAME": "dave", "NEW_PASSWORD": "Brand-new-pass-2"})
	wantIDPError[*types.InvalidParameterException](t, err, "Invalid attributes given, name is missing")
	next, err := a.respond(types.ChallengeNameTypeNewPasswordRequired, out.Session, map[string]string{
		"USERNAME": "dave", "NEW_PASSWORD": "Brand-new-pass-2", "userAttributes.name": "Dave",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, next.ChallengeName, next.Session, types.ChallengeNameTypeSmsMfa)
	done, err := a.code(types.ChallengeNameTypeSmsMfa, next.Session, "dave", a.lastCode("dave"))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	claims := verifyWithJWKS(t, f.s, a.poolID, aws.ToString(done.AuthenticationResult.IdToken))
	if claims["name"] != "Dave" {
		t.Errorf("name = %v", claims["name"])
	}
}
