package cognitotest

import (
	"encoding/base64"
	"io"
	"math/big"
	"sort"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// This file holds device tracking: NewDeviceMetadata at the end of a
// sign-in, ConfirmDevice with an SRP verifier, remembering (always or on the
// user's word), DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER so that a
// remembered device skips MFA, and listing and forgetting devices.

// deviceConfig is a pool's DeviceConfiguration.
type deviceConfig struct {
	challengeRequiredOnNewDevice bool
	onlyRememberedOnUserPrompt   bool
}

// device is one of a user's devices. It is created (unconfirmed) when a
// sign-in hands out NewDeviceMetadata and confirmed by ConfirmDevice.
type device struct {
	key, groupKey string
	name          string
	salt          *big.Int
	verifier      *big.Int
	confirmed     bool
	remembered    bool
	created       time.Time
	lastAuth      time.Time
	modified      time.Time
}

// unconfirmedDeviceLifetime is how long a device nobody confirmed is kept.
const unconfirmedDeviceLifetime = 24 * time.Hour

// rememberedDeviceLocked returns u's device key if it is confirmed and
// remembered: such a device answers DEVICE_SRP_AUTH instead of MFA.
func (s *Server) rememberedDeviceLocked(p *userPool, u *poolUser, key string) *device {
	if key == "" {
		return nil
	}
	d := u.devices[key]
	if d == nil || !d.confirmed || !d.remembered || d.verifier == nil {
		return nil
	}
	return d
}

// newDeviceLocked creates an unconfirmed device for u.
func (s *Server) newDeviceLocked(u *poolUser) *device {
	now := s.now()
	if u.devices == nil {
		u.devices = map[string]*device{}
	}
	for k, d := range u.devices {
		if !d.confirmed && now.Sub(d.created) > unconfirmedDeviceLifetime {
			delete(u.devices, k)
		}
	}
	d := &device{
		key:      s.opts.Region + "_" + s.randomUUID(),
		groupKey: "-" + s.randomString(9, alnum),
		created:  now,
		modified: now,
		lastAuth: now,
	}
	u.devices[d.key] = d
	return d
}

// finishSignInLocked issues tokens. A sign-in from a confirmed device of u
// is bound to it; otherwise, in a pool that tracks devices, a new device is
// made and its key handed out as NewDeviceMetadata.
func (s *Server) finishSignInLocked(c *appClient, p *userPool, u *poolUser, st signInState) (any, *apiError) {
	var deviceKey string
	var meta *newDeviceJSON
	if d := u.devices[st.deviceKey]; st.deviceKey != "" && d != nil && d.confirmed {
		deviceKey = d.key
		d.lastAuth = s.now()
	} else if p.devices != nil {
		d := s.newDeviceLocked(u)
		deviceKey = d.key
		meta = &newDeviceJSON{DeviceKey: d.key, DeviceGroupKey: d.groupKey}
	}
	res, aerr := s.issueTokensLocked(c, p, u, deviceKey)
	if aerr != nil {
		return nil, aerr
	}
	res.NewDeviceMetadata = meta
	return authOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// ---- DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER ----

func (s *Server) respondDeviceSRPLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeDeviceSRP, resp)
	if aerr != nil {
		return nil, aerr
	}
	dk, aHex := resp["DEVICE_KEY"], resp["SRP_A"]
	if dk == "" {
		return nil, missingParam("DEVICE_KEY")
	}
	if aHex == "" {
		return nil, missingParam("SRP_A")
	}
	if err := srp.ValidateA(aHex); err != nil {
		return nil, apiErr(errInvalidParameter, "Invalid SRP_A: it must be a hexadecimal number that is not 0 modulo N")
	}
	s.dropSessionLocked(sess.id)
	d := s.rememberedDeviceLocked(p, u, dk)
	if dk != sess.st.deviceKey || d == nil {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	server, err := srp.NewServer(d.verifier, s.opts.Rand)
	if err != nil {
		return nil, apiErr("InternalErrorException", "SRP failed")
	}
	block := make([]byte, 128)
	if _, err := io.ReadFull(s.opts.Rand, block); err != nil {
		return nil, apiErr("InternalErrorException", "randomness source failed")
	}
	next := s.newSessionLocked(c, p, u, challengeDeviceVerifier)
	next.st = sess.st
	next.srp = server
	next.srpA = aHex
	next.secretBlock = block
	next.deviceKey = d.key
	b64 := base64.StdEncoding.EncodeToString(block)
	return authOutput{
		ChallengeName: challengeDeviceVerifier,
		ChallengeParameters: map[string]string{
			"SALT":         d.salt.Text(16),
			"SRP_B":        server.B(),
			"SECRET_BLOCK": b64,
			"USERNAME":     u.username,
			"DEVICE_KEY":   d.key,
		},
		Session: next.id,
	}, nil
}

func (s *Server) respondDeviceVerifierLocked(c *appClient, p *userPool, sessionID string, resp map[string]string) (any, *apiError) {
	for _, k := range []string{"DEVICE_KEY", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"} {
		if resp[k] == "" {
			return nil, missingParam(k)
		}
	}
	sess, u, aerr := s.challengeSessionLocked(c, p, sessionID, challengeDeviceVerifier, resp)
	if aerr != nil {
		return nil, aerr
	}
	// One exchange per challenge, right or wrong.
	s.dropSessionLocked(sess.id)
	d := s.rememberedDeviceLocked(p, u, sess.deviceKey)
	if d == nil || resp["DEVICE_KEY"] != d.key {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	if resp["PASSWORD_CLAIM_SECRET_BLOCK"] != base64.StdEncoding.EncodeToString(sess.secretBlock) {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	ts, err := time.Parse(srp.TimestampLayout, resp["TIMESTAMP"])
	if err != nil {
		return nil, apiErr(errInvalidParameter, "TIMESTAMP %q is not of the form %q", resp["TIMESTAMP"], srp.TimestampLayout)
	}
	if dt := s.now().Sub(ts); dt > timestampSkew || dt < -timestampSkew {
		return nil, apiErr(errNotAuthorized, "TIMESTAMP is more than %s away from the server's time", timestampSkew)
	}
	ok, err := sess.srp.Verify(sess.srpA, d.groupKey, d.key, sess.secretBlock, resp["TIMESTAMP"], resp["PASSWORD_CLAIM_SIGNATURE"])
	if err != nil || !ok {
		return nil, apiErr(errNotAuthorized, msgIncorrectCredentials)
	}
	st := sess.st
	st.deviceAuthed = true
	return s.continueSignInLocked(c, p, u, st)
}

// ---- device operations ----

type confirmDeviceInput struct {
	AccessToken                string
	DeviceKey                  string
	DeviceName                 string
	DeviceSecretVerifierConfig *struct {
		PasswordVerifier string
		Salt             string
	}
}

func deviceNotFound() *apiError {
	return apiErr(errResourceNotFound, "Device does not exist.")
}

func (s *Server) opConfirmDevice(in *confirmDeviceInput) (any, *apiError) {
	p, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	if in.DeviceKey == "" {
		return nil, missingParam("DeviceKey")
	}
	cfg := in.DeviceSecretVerifierConfig
	if cfg == nil || cfg.PasswordVerifier == "" || cfg.Salt == "" {
		return nil, missingParam("DeviceSecretVerifierConfig")
	}
	if len(in.DeviceName) > 1024 {
		return nil, apiErr(errInvalidParameter, "DeviceName is longer than 1024 characters")
	}
	d := u.devices[in.DeviceKey]
	if d == nil {
		return nil, deviceNotFound()
	}
	vb, err1 := base64.StdEncoding.DecodeString(cfg.PasswordVerifier)
	sb, err2 := base64.StdEncoding.DecodeString(cfg.Salt)
	if err1 != nil || err2 != nil || len(vb) == 0 || len(sb) == 0 || len(vb) > 1024 || len(sb) > 1024 {
		return nil, apiErr(errInvalidParameter, "DeviceSecretVerifierConfig must hold a base64 PasswordVerifier and Salt")
	}
	v := new(big.Int).SetBytes(vb)
	if new(big.Int).Mod(v, srp.N).Sign() == 0 {
		return nil, apiErr(errInvalidParameter, "DeviceSecretVerifierConfig.PasswordVerifier is not a valid verifier")
	}
	now := s.now()
	d.verifier = v
	d.salt = new(big.Int).SetBytes(sb)
	d.name = in.DeviceName
	d.confirmed = true
	d.modified = now
	prompt := p.devices != nil && p.devices.onlyRememberedOnUserPrompt
	d.remembered = !prompt
	return map[string]bool{"UserConfirmationNecessary": prompt}, nil
}

func (d *device) json() map[string]any {
	status := "not_remembered"
	if d.remembered {
		status = "remembered"
	}
	attrs := []attributeType{{Name: "device_status", Value: "valid"}}
	if d.name != "" {
		attrs = append(attrs, attributeType{Name: "device_name", Value: d.name})
	}
	attrs = append(attrs, attributeType{Name: "dev:device_remembered_status", Value: status})
	return map[string]any{
		"DeviceKey":                   d.key,
		"DeviceAttributes":            attrs,
		"DeviceCreateDate":            epoch(d.created),
		"DeviceLastModifiedDate":      epoch(d.modified),
		"DeviceLastAuthenticatedDate": epoch(d.lastAuth),
	}
}

// confirmedDeviceLocked finds a confirmed device of u.
func confirmedDevice(u *poolUser, key string) (*device, *apiError) {
	if key == "" {
		return nil, missingParam("DeviceKey")
	}
	d := u.devices[key]
	if d == nil || !d.confirmed {
		return nil, deviceNotFound()
	}
	return d, nil
}

func (s *Server) updateDeviceStatusLocked(u *poolUser, key, status string) (any, *apiError) {
	d, aerr := confirmedDevice(u, key)
	if aerr != nil {
		return nil, aerr
	}
	switch status {
	case "remembered":
		d.remembered = true
	case "not_remembered":
		d.remembered = false
	case "":
		return nil, missingParam("DeviceRememberedStatus")
	default:
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%s' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]", status)
	}
	d.modified = s.now()
	return struct{}{}, nil
}

func listDevices(u *poolUser, limit int, token string) (any, *apiError) {
	if limit == 0 {
		limit = 60
	}
	if limit < 0 || limit > 60 {
		return nil, apiErr(errInvalidParameter, "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", limit)
	}
	var list []*device
	for _, d := range u.devices {
		if d.confirmed {
			list = append(list, d)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.Before(list[j].created)
		}
		return list[i].key < list[j].key
	})
	start := 0
	if token != "" {
		start = -1
		for i, d := range list {
			if d.key == token {
				start = i
			}
		}
		if start < 0 {
			return nil, apiErr(errInvalidParameter, "Invalid pagination token")
		}
	}
	devices := []map[string]any{}
	end := min(start+limit, len(list))
	for _, d := range list[start:end] {
		devices = append(devices, d.json())
	}
	out := map[string]any{"Devices": devices}
	if end < len(list) {
		out["PaginationToken"] = list[end].key
	}
	return out, nil
}

type deviceInput struct {
	AccessToken            string
	UserPoolId             string
	Username               string
	DeviceKey              string
	DeviceRememberedStatus string
	Limit                  int
	PaginationToken        string
}

func (s *Server) opUpdateDeviceStatus(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	return s.updateDeviceStatusLocked(u, in.DeviceKey, in.DeviceRememberedStatus)
}

func (s *Server) opAdminUpdateDeviceStatus(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	return s.updateDeviceStatusLocked(u, in.DeviceKey, in.DeviceRememberedStatus)
}

func (s *Server) opListDevices(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	return listDevices(u, in.Limit, in.PaginationToken)
}

func (s *Server) opAdminListDevices(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	return listDevices(u, in.Limit, in.PaginationToken)
}

func (s *Server) opGetDevice(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	d, aerr := confirmedDevice(u, in.DeviceKey)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"Device": d.json()}, nil
}

func (s *Server) opAdminGetDevice(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	d, aerr := confirmedDevice(u, in.DeviceKey)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"Device": d.json()}, nil
}

func (s *Server) opForgetDevice(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.accessTokenUserLocked(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := confirmedDevice(u, in.DeviceKey); aerr != nil {
		return nil, aerr
	}
	delete(u.devices, in.DeviceKey)
	return struct{}{}, nil
}

func (s *Server) opAdminForgetDevice(in *deviceInput) (any, *apiError) {
	_, u, aerr := s.adminUserLocked(&adminUserInput{in.UserPoolId, in.Username})
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := confirmedDevice(u, in.DeviceKey); aerr != nil {
		return nil, aerr
	}
	delete(u.devices, in.DeviceKey)
	return struct{}{}, nil
}
