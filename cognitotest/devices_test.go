package cognitotest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// rememberedDevice is what a client keeps about a confirmed device.
type rememberedDevice struct {
	key, groupKey, password string
}

// confirmDevice confirms the device a sign-in handed out, with a verifier
// made by internal/srp as amazon-cognito-identity-js makes it.
func (a *flow) confirmDevice(res *types.AuthenticationResultType, name string) (rememberedDevice, *cip.ConfirmDeviceOutput) {
	a.t.Helper()
	meta := res.NewDeviceMetadata
	if meta == nil {
		a.t.Fatal("no NewDeviceMetadata")
	}
	d := rememberedDevice{key: aws.ToString(meta.DeviceKey), groupKey: aws.ToString(meta.DeviceGroupKey)}
	secrets, err := srp.NewDeviceSecrets(d.groupKey, d.key, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	d.password = secrets.Password
	out, err := a.f.client.ConfirmDevice(context.Background(), &cip.ConfirmDeviceInput{
		AccessToken: res.AccessToken, DeviceKey: meta.DeviceKey, DeviceName: aws.String(name),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{
			PasswordVerifier: aws.String(secrets.VerifierB64), Salt: aws.String(secrets.SaltB64),
		},
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return d, out
}

// deviceAuth answers DEVICE_SRP_AUTH and then DEVICE_PASSWORD_VERIFIER with
// the device's password.
func (a *flow) deviceAuth(session *string, username string, d rememberedDevice, password string) (*cip.RespondToAuthChallengeOutput, error) {
	a.t.Helper()
	sc, err := srp.NewClient(d.groupKey, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	ch, err := a.respond(types.ChallengeNameTypeDeviceSrpAuth, session, map[string]string{
		"USERNAME": username, "DEVICE_KEY": d.key, "SRP_A": sc.A(),
	})
	if err != nil {
		return nil, err
	}
	wantChallenge(a.t, ch.ChallengeName, ch.Session, types.ChallengeNameTypeDevicePasswordVerifier)
	cp := ch.ChallengeParameters
	if cp["DEVICE_KEY"] != d.key || cp["USERNAME"] == "" {
		a.t.Fatalf("DEVICE_PASSWORD_VERIFIER parameters = %v", cp)
	}
	parsed, err := srp.ParseChallenge(cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"])
	if err != nil {
		a.t.Fatal(err)
	}
	r, err := sc.Respond(parsed, d.key, password, a.f.s.now())
	if err != nil {
		a.t.Fatal(err)
	}
	return a.respond(types.ChallengeNameTypeDevicePasswordVerifier, ch.Session, map[string]string{
		"USERNAME": cp["USERNAME"], "DEVICE_KEY": d.key,
		"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": r.Signature, "TIMESTAMP": r.Timestamp,
	})
}

// smsSignIn signs in with SRP and answers SMS_MFA.
func (a *flow) smsSignIn(username, deviceKey string) *types.AuthenticationResultType {
	a.t.Helper()
	out, err := a.srp(username, goodPassword, deviceKey)
	if err != nil {
		a.t.Fatal(err)
	}
	wantChallenge(a.t, out.ChallengeName, out.Session, types.ChallengeNameTypeSmsMfa)
	done, err := a.code(types.ChallengeNameTypeSmsMfa, out.Session, username, a.lastCode(username))
	if err != nil {
		a.t.Fatal(err)
	}
	wantTokens(a.t, done.AuthenticationResult)
	return done.AuthenticationResult
}

func TestRememberedDeviceSkipsMFA(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true, Devices: "always"}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"phone_number": "+15555551234"})
	ctx := context.Background()

	res := a.smsSignIn("alice", "")
	meta := res.NewDeviceMetadata
	if meta == nil || !strings.HasPrefix(aws.ToString(meta.DeviceKey), "eu-west-1_") || !strings.HasPrefix(aws.ToString(meta.DeviceGroupKey), "-") {
		t.Fatalf("NewDeviceMetadata = %+v", meta)
	}
	if accessClaims(t, aws.ToString(res.AccessToken))["device_key"] != aws.ToString(meta.DeviceKey) {
		t.Error("the access token does not name the device")
	}
	dev, conf := a.confirmDevice(res, "laptop")
	if conf.UserConfirmationNecessary {
		t.Error("UserConfirmationNecessary in an always-remember pool")
	}

	// Next sign-in from the device: DEVICE_SRP_AUTH instead of SMS.
	sent := len(f.s.Outbox())
	out, err := a.srp("alice", goodPassword, dev.key)
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeDeviceSrpAuth)
	done, err := a.deviceAuth(out.Session, "alice", dev, dev.password)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)
	if done.AuthenticationResult.NewDeviceMetadata != nil {
		t.Error("a remembered device got NewDeviceMetadata")
	}
	if len(f.s.Outbox()) != sent {
		t.Error("a code was sent to a remembered device's user")
	}
	if accessClaims(t, aws.ToString(done.AuthenticationResult.AccessToken))["device_key"] != dev.key {
		t.Error("the access token does not name the device")
	}
	// USER_PASSWORD_AUTH with DEVICE_KEY works the same.
	init, err := a.password("alice", goodPassword, map[string]string{"DEVICE_KEY": dev.key})
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, init.ChallengeName, init.Session, types.ChallengeNameTypeDeviceSrpAuth)
	if _, err := a.deviceAuth(init.Session, "alice", dev, dev.password); err != nil {
		t.Fatal(err)
	}

	// A wrong device password is refused, and the session is spent.
	out, err = a.srp("alice", goodPassword, dev.key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.deviceAuth(out.Session, "alice", dev, "not-the-device-password")
	wantIDPError[*types.NotAuthorizedException](t, err, "Incorrect username or password.")

	// A device the pool does not know gets MFA and a new device.
	res2 := a.smsSignIn("alice", "eu-west-1_00000000-0000-4000-8000-000000000000")
	if res2.NewDeviceMetadata == nil || aws.ToString(res2.NewDeviceMetadata.DeviceKey) == dev.key {
		t.Errorf("unknown device: NewDeviceMetadata = %+v", res2.NewDeviceMetadata)
	}

	// Refresh: the device-bound refresh token needs its DEVICE_KEY.
	refresh := func(deviceKey string) error {
		params := map[string]string{"REFRESH_TOKEN": aws.ToString(done.AuthenticationResult.RefreshToken), "SECRET_HASH": srp.SecretHash("alice", a.clientID, a.secret)}
		if deviceKey != "" {
			params["DEVICE_KEY"] = deviceKey
		}
		_, err := f.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &a.clientID, AuthParameters: params})
		return err
	}
	if err := refresh(dev.key); err != nil {
		t.Fatalf("refresh with the device key: %v", err)
	}
	wantIDPError[*types.NotAuthorizedException](t, refresh(aws.ToString(res2.NewDeviceMetadata.DeviceKey)), "Invalid Refresh Token")
	wantIDPError[*types.NotAuthorizedException](t, refresh(""), "Invalid Refresh Token")

	// List, get, forget.
	at := done.AuthenticationResult.AccessToken
	list, err := f.client.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Devices) != 1 || aws.ToString(list.Devices[0].DeviceKey) != dev.key || list.Devices[0].DeviceCreateDate == nil ||
		list.Devices[0].DeviceLastAuthenticatedDate == nil || list.Devices[0].DeviceLastModifiedDate == nil {
		t.Fatalf("ListDevices = %+v", list.Devices)
	}
	attrs := map[string]string{}
	for _, at := range list.Devices[0].DeviceAttributes {
		attrs[aws.ToString(at.Name)] = aws.ToString(at.Value)
	}
	if attrs["device_name"] != "laptop" || attrs["dev:device_remembered_status"] != "remembered" {
		t.Errorf("device attributes = %v", attrs)
	}
	got, err := f.client.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: at, DeviceKey: &dev.key})
	if err != nil || aws.ToString(got.Device.DeviceKey) != dev.key {
		t.Fatalf("GetDevice = %+v, %v", got, err)
	}
	adminList, err := f.client.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: &a.poolID, Username: aws.String("alice")})
	if err != nil || len(adminList.Devices) != 1 {
		t.Fatalf("AdminListDevices = %+v, %v", adminList, err)
	}
	if _, err := f.client.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: at, DeviceKey: &dev.key}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: at, DeviceKey: &dev.key})
	wantIDPError[*types.ResourceNotFoundException](t, err, "")
	list, err = f.client.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: at})
	if err != nil || len(list.Devices) != 0 {
		t.Fatalf("ListDevices after ForgetDevice = %+v, %v", list, err)
	}
	// A forgotten device gets MFA again.
	a.smsSignIn("alice", dev.key)
}

func TestDeviceRememberedOnUserPrompt(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{MFA: "ON", SMSMFA: true, Devices: "opt-in", DeviceChallengeRequiredOnNewDevice: true}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, map[string]string{"phone_number": "+15555551234"})
	ctx := context.Background()

	res := a.smsSignIn("alice", "")
	dev, conf := a.confirmDevice(res, "desktop")
	if !conf.UserConfirmationNecessary {
		t.Fatal("UserConfirmationNecessary = false in an opt-in pool")
	}
	// Confirmed but not remembered: MFA still, and the sign-in stays bound
	// to the device (no new one).
	res2 := a.smsSignIn("alice", dev.key)
	if res2.NewDeviceMetadata != nil {
		t.Errorf("a known device got NewDeviceMetadata %+v", res2.NewDeviceMetadata)
	}
	list, err := f.client.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: res2.AccessToken, Limit: aws.Int32(10)})
	if err != nil || len(list.Devices) != 1 {
		t.Fatalf("ListDevices = %+v, %v", list, err)
	}
	for _, at := range list.Devices[0].DeviceAttributes {
		if aws.ToString(at.Name) == "dev:device_remembered_status" && aws.ToString(at.Value) != "not_remembered" {
			t.Errorf("remembered status = %q", aws.ToString(at.Value))
		}
	}
	_, err = f.client.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{
		AccessToken: res2.AccessToken, DeviceKey: &dev.key, DeviceRememberedStatus: "sometimes",
	})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	_, err = f.client.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{
		AccessToken: res2.AccessToken, DeviceKey: &dev.key, DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.srp("alice", goodPassword, dev.key)
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeDeviceSrpAuth)
	done, err := a.deviceAuth(out.Session, "alice", dev, dev.password)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t, done.AuthenticationResult)

	// Another user cannot use alice's device key to skip MFA.
	a.user("bob", goodPassword, map[string]string{"phone_number": "+15555559999"})
	a.smsSignIn("bob", dev.key)

	// not_remembered again: MFA again.
	_, err = f.client.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{
		AccessToken: done.AuthenticationResult.AccessToken, DeviceKey: &dev.key, DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.smsSignIn("alice", dev.key)
	_, err = f.client.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: &a.poolID, Username: aws.String("alice"), DeviceKey: &dev.key})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: done.AuthenticationResult.AccessToken, DeviceKey: &dev.key})
	wantIDPError[*types.ResourceNotFoundException](t, err, "")
}

// In a pool without MFA, a remembered device still proves itself.
func TestDeviceWithoutMFAAndPagination(t *testing.T) {
	f := newIDPFixture(t)
	a := newFlow(t, f, UserPoolConfig{Devices: "always"}, ClientConfig{ExplicitAuthFlows: allFlows})
	a.user("alice", goodPassword, nil)
	ctx := context.Background()
	var devs []rememberedDevice
	var at *string
	for i := 0; i < 3; i++ {
		out, err := a.srp("alice", goodPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		wantTokens(t, out.AuthenticationResult)
		d, _ := a.confirmDevice(out.AuthenticationResult, "device")
		devs = append(devs, d)
		at = out.AuthenticationResult.AccessToken
		f.clock.Advance(1e9)
	}
	out, err := a.srp("alice", goodPassword, devs[1].key)
	if err != nil {
		t.Fatal(err)
	}
	wantChallenge(t, out.ChallengeName, out.Session, types.ChallengeNameTypeDeviceSrpAuth)
	// The device key must be the one the sign-in named.
	_, err = a.deviceAuth(out.Session, "alice", devs[0], devs[0].password)
	wantIDPError[*types.NotAuthorizedException](t, err, "")

	var keys []string
	var token *string
	for {
		page, err := f.client.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: at, Limit: aws.Int32(2), PaginationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Devices {
			keys = append(keys, aws.ToString(d.DeviceKey))
		}
		if token = page.PaginationToken; token == nil {
			break
		}
	}
	if len(keys) != 3 || keys[0] != devs[0].key || keys[2] != devs[2].key {
		t.Errorf("paged devices = %v", keys)
	}
	_, err = f.client.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: at, PaginationToken: aws.String("bogus")})
	wantIDPError[*types.InvalidParameterException](t, err, "")
	_, err = f.client.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{
		AccessToken: at, DeviceKey: aws.String("eu-west-1_nope"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String("AQ=="), Salt: aws.String("AQ==")},
	})
	wantIDPError[*types.ResourceNotFoundException](t, err, "")
}
