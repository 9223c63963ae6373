package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CodeDelivery says where the pool sent a code.
type CodeDelivery struct {
	Destination string // masked, e.g. "a***@e***"
	Medium      string // "EMAIL" or "SMS"
	Attribute   string // "email" or "phone_number"
}

// ForgotPassword asks the pool to send username a code for setting a new
// password (the answer to ErrPasswordResetRequired, or a forgotten one).
func (c *Client) ForgotPassword(ctx context.Context, username string) (*CodeDelivery, error) {
	out, err := c.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), SecretHash: c.secretHash(username),
	})
	if err != nil {
		return nil, classify("ForgotPassword", err)
	}
	d := &CodeDelivery{}
	if cd := out.CodeDeliveryDetails; cd != nil {
		d.Destination, d.Medium, d.Attribute = aws.ToString(cd.Destination), string(cd.DeliveryMedium), aws.ToString(cd.AttributeName)
	}
	return d, nil
}

// ConfirmForgotPassword sets a new password with the code ForgotPassword
// sent.
func (c *Client) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	_, err := c.api.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), ConfirmationCode: aws.String(code),
		Password: aws.String(newPassword), SecretHash: c.secretHash(username),
	})
	return classify("ConfirmForgotPassword", err)
}

// ChangePassword changes the signed-in user's password.
func (c *Client) ChangePassword(ctx context.Context, accessToken, oldPassword, newPassword string) error {
	_, err := c.api.ChangePassword(ctx, &cip.ChangePasswordInput{
		AccessToken: aws.String(accessToken), PreviousPassword: aws.String(oldPassword), ProposedPassword: aws.String(newPassword),
	})
	return classify("ChangePassword", err)
}

// AssociateAuthenticator starts authenticator-app (TOTP) setup for the
// signed-in user and returns the secret (base32) to enter or scan, with its
// otpauth:// URI.
func (c *Client) AssociateAuthenticator(ctx context.Context, accessToken, account string) (secret, uri string, err error) {
	out, err := c.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(accessToken)})
	if err != nil {
		return "", "", classify("AssociateSoftwareToken", err)
	}
	secret = aws.ToString(out.SecretCode)
	if secret == "" {
		return "", "", &Error{Op: "AssociateSoftwareToken", Err: errors.New("the pool returned no secret")}
	}
	return secret, OTPAuthURI(secret, c.opts.Issuer, account), nil
}

// VerifyAuthenticator checks the first code of a newly associated
// authenticator.
func (c *Client) VerifyAuthenticator(ctx context.Context, accessToken, code, deviceName string) error {
	in := &cip.VerifySoftwareTokenInput{AccessToken: aws.String(accessToken), UserCode: aws.String(code)}
	if deviceName != "" {
		in.FriendlyDeviceName = aws.String(deviceName)
	}
	out, err := c.api.VerifySoftwareToken(ctx, in)
	if err != nil {
		return classify("VerifySoftwareToken", err)
	}
	if out.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		return &Error{Op: "VerifySoftwareToken", Err: fmt.Errorf("status %s", out.Status)}
	}
	return nil
}

// MFA types for SetMFAPreference.
const (
	MFATypeSMS   = "SMS_MFA"
	MFATypeTOTP  = "SOFTWARE_TOKEN_MFA"
	MFATypeEmail = "EMAIL_OTP"
)

// SetMFAPreference enables the given MFA types for the signed-in user (the
// others stay as they are) and makes preferred (one of them, or "") the one
// the pool asks for.
func (c *Client) SetMFAPreference(ctx context.Context, accessToken string, enabled []string, preferred string) error {
	in := &cip.SetUserMFAPreferenceInput{AccessToken: aws.String(accessToken)}
	on := map[string]bool{}
	for _, t := range enabled {
		switch t {
		case MFATypeSMS, MFATypeTOTP, MFATypeEmail:
			on[t] = true
		default:
			return fmt.Errorf("userpool: unknown MFA type %q (want %s, %s or %s)", t, MFATypeSMS, MFATypeTOTP, MFATypeEmail)
		}
	}
	if preferred != "" && !on[preferred] {
		return fmt.Errorf("userpool: preferred MFA %q is not among the enabled ones", preferred)
	}
	// Only the named types are sent: a type the pool does not offer would
	// make the call fail, and unnamed types stay as they are.
	if on[MFATypeSMS] {
		in.SMSMfaSettings = &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: preferred == MFATypeSMS}
	}
	if on[MFATypeTOTP] {
		in.SoftwareTokenMfaSettings = &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: preferred == MFATypeTOTP}
	}
	if on[MFATypeEmail] {
		in.EmailMfaSettings = &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: preferred == MFATypeEmail}
	}
	_, err := c.api.SetUserMFAPreference(ctx, in)
	return classify("SetUserMFAPreference", err)
}
