package userpool

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// confirmDevice registers the device the pool just created for this
// sign-in (NewDeviceMetadata) with a verifier for a fresh random device
// password, and remembers it when the pool does so by itself or the user
// agrees (ChallengeRememberDevice through the handler; no handler: not
// remembered).
func (c *Client) confirmDevice(ctx context.Context, username, accessToken, key, groupKey string) (*Device, error) {
	secrets, err := srp.NewDeviceSecrets(groupKey, key, c.opts.Rand)
	if err != nil {
		return nil, err
	}
	out, err := c.api.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{
		AccessToken: aws.String(accessToken),
		DeviceKey:   aws.String(key),
		DeviceName:  aws.String(c.opts.DeviceName),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{
			PasswordVerifier: aws.String(secrets.VerifierB64),
			Salt:             aws.String(secrets.SaltB64),
		},
	})
	if err != nil {
		return nil, classify("ConfirmDevice", err)
	}
	dev := &Device{Key: key, GroupKey: groupKey, Password: secrets.Password, Remembered: !out.UserConfirmationNecessary}
	if !out.UserConfirmationNecessary {
		return dev, nil
	}
	remember := false
	if c.opts.Handler != nil {
		a, err := c.opts.Handler(ctx, &Challenge{Name: ChallengeRememberDevice, Username: username})
		if err != nil && !errors.Is(err, ErrNoAnswer) {
			return nil, err
		}
		remember = err == nil && a != nil && a.Remember
	}
	if err := c.rememberDevice(ctx, accessToken, key, remember); err != nil {
		return nil, err
	}
	dev.Remembered = remember
	return dev, nil
}

// rememberDevice sets whether the pool remembers a device.
func (c *Client) rememberDevice(ctx context.Context, accessToken, key string, remember bool) error {
	status := types.DeviceRememberedStatusTypeNotRemembered
	if remember {
		status = types.DeviceRememberedStatusTypeRemembered
	}
	_, err := c.api.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{
		AccessToken: aws.String(accessToken), DeviceKey: aws.String(key), DeviceRememberedStatus: status,
	})
	return classify("UpdateDeviceStatus", err)
}

// DeviceInfo describes one of the user's devices.
type DeviceInfo struct {
	Key               string
	Name              string
	Remembered        bool
	Created           time.Time
	LastAuthenticated time.Time
}

// ListDevices lists the signed-in user's devices.
func (c *Client) ListDevices(ctx context.Context, accessToken string) ([]DeviceInfo, error) {
	var list []DeviceInfo
	var next *string
	for page := 0; page < 100; page++ {
		out, err := c.api.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: aws.String(accessToken), Limit: aws.Int32(60), PaginationToken: next})
		if err != nil {
			return nil, classify("ListDevices", err)
		}
		for _, d := range out.Devices {
			info := DeviceInfo{Key: aws.ToString(d.DeviceKey), Created: aws.ToTime(d.DeviceCreateDate), LastAuthenticated: aws.ToTime(d.DeviceLastAuthenticatedDate)}
			for _, a := range d.DeviceAttributes {
				switch aws.ToString(a.Name) {
				case "device_name":
					info.Name = aws.ToString(a.Value)
				case "dev:device_remembered_status":
					info.Remembered = aws.ToString(a.Value) == "remembered"
				}
			}
			list = append(list, info)
		}
		if next = out.PaginationToken; next == nil || *next == "" {
			break
		}
	}
	return list, nil
}

// ForgetDevice makes the pool forget a device: it no longer skips MFA.
func (c *Client) ForgetDevice(ctx context.Context, accessToken, deviceKey string) error {
	_, err := c.api.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: aws.String(accessToken), DeviceKey: aws.String(deviceKey)})
	return classify("ForgetDevice", err)
}
