package userpool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// maxChallenges bounds the challenge loop against a server that never
// finishes; maxCodeAttempts bounds retries of a refused code.
const (
	maxChallenges   = 16
	maxCodeAttempts = 3
)

// flow is one sign-in: what was typed, what the pool told us, and the SRP
// state that must survive from one round trip to the next.
type flow struct {
	c        *Client
	login    string // what the person typed
	username string // the pool's USERNAME for challenge answers
	password string
	device   *Device
	srp      *srp.Client // user SRP, for PASSWORD_VERIFIER
	devSRP   *srp.Client // device SRP, for DEVICE_PASSWORD_VERIFIER
	options  []string    // USER_AUTH's AvailableChallenges
	attempts int
	// preferred is start's first factor, kept for a restart.
	preferred string
	// asked is set once the handler was asked anything: a sign-in that
	// involved the person is not restarted behind their back.
	asked bool
	// restarted is set once the sign-in started again after a consumed
	// SRP challenge; it happens at most once.
	restarted bool
	// skew is the pool's clock minus ours, from the Date of its answers:
	// the TIMESTAMP of a password verifier must be on the pool's clock.
	skew time.Duration
}

// noteServerTime records the pool's clock from an answer's metadata.
func (f *flow) noteServerTime(md middleware.Metadata) {
	if st, ok := awsmiddleware.GetServerTime(md); ok {
		f.skew = st.Sub(f.c.opts.Now())
	}
}

func (f *flow) newSRP() (*srp.Client, error) {
	if f.srp == nil {
		f.srp = f.c.takePrepared()
	}
	if f.srp == nil {
		var err error
		if f.srp, err = srp.NewClient(f.c.poolName, f.c.opts.Rand); err != nil {
			return nil, err
		}
	}
	return f.srp, nil
}

// start sends InitiateAuth for the client's flow.
func (f *flow) start(ctx context.Context, preferred string) (*Tokens, error) {
	c := f.c
	f.preferred = preferred
	params := map[string]string{"USERNAME": f.login}
	var flowType types.AuthFlowType
	switch c.opts.AuthFlow {
	case FlowPassword:
		flowType = types.AuthFlowTypeUserPasswordAuth
		params["PASSWORD"] = f.password
	case FlowUserAuth:
		flowType = types.AuthFlowTypeUserAuth
		if preferred == "" && f.password != "" {
			preferred = FactorPasswordSRP
		}
		if preferred != "" {
			params["PREFERRED_CHALLENGE"] = preferred
		}
		switch preferred {
		case FactorPassword:
			params["PASSWORD"] = f.password
		case FactorPasswordSRP:
			s, err := f.newSRP()
			if err != nil {
				return nil, err
			}
			params["SRP_A"] = s.A()
		}
	case FlowCustom:
		flowType = types.AuthFlowTypeCustomAuth
		if f.password != "" {
			// SRP first, then the custom challenges.
			s, err := f.newSRP()
			if err != nil {
				return nil, err
			}
			params["SRP_A"] = s.A()
			params["CHALLENGE_NAME"] = "SRP_A"
		}
	default:
		flowType = types.AuthFlowTypeUserSrpAuth
		s, err := f.newSRP()
		if err != nil {
			return nil, err
		}
		params["SRP_A"] = s.A()
	}
	if f.device != nil {
		params["DEVICE_KEY"] = f.device.Key
	}
	c.addSecretHash(params, f.login)
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: flowType, ClientId: aws.String(c.clientID), AuthParameters: params,
	})
	if err != nil {
		return nil, classify("InitiateAuth", err)
	}
	f.noteServerTime(out.ResultMetadata)
	for _, a := range out.AvailableChallenges {
		f.options = append(f.options, string(a))
	}
	return f.run(ctx, out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult)
}

// run answers challenges until the pool returns tokens.
func (f *flow) run(ctx context.Context, name types.ChallengeNameType, params map[string]string,
	session *string, result *types.AuthenticationResultType) (*Tokens, error) {
	for i := 0; ; i++ {
		if result != nil {
			return f.finish(ctx, result)
		}
		if name == "" {
			return nil, &Error{Op: "RespondToAuthChallenge", Err: errors.New("the user pool returned neither tokens nor a challenge")}
		}
		if i >= maxChallenges {
			return nil, &Error{Op: "RespondToAuthChallenge", Err: fmt.Errorf("gave up after %d challenges", maxChallenges)}
		}
		if params == nil {
			params = map[string]string{}
		}
		if u := params["USERNAME"]; u != "" {
			f.username = u
		}
		answers, newSession, err := f.answer(ctx, name, params, session)
		if err != nil {
			return nil, err
		}
		if newSession != nil {
			session = newSession
		}
		if _, ok := answers["USERNAME"]; !ok {
			answers["USERNAME"] = f.username
		}
		if f.device != nil && needsDeviceKey(name) {
			answers["DEVICE_KEY"] = f.device.Key
		}
		f.c.addSecretHash(answers, f.username)
		out, err := f.c.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName: name, ClientId: aws.String(f.c.clientID), ChallengeResponses: answers, Session: session,
		})
		if err != nil {
			if isWrongCode(err) && isCodeChallenge(name) && f.attempts+1 < maxCodeAttempts {
				// A wrong code leaves the challenge (and its session) open.
				f.attempts++
				continue
			}
			if f.canRestart(name, err) {
				return f.restart(ctx)
			}
			return nil, classify("RespondToAuthChallenge", err)
		}
		f.attempts = 0
		f.noteServerTime(out.ResultMetadata)
		name, params, session, result = out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult
	}
}

// canRestart reports whether a failed answer to an SRP challenge should
// start the sign-in again: the pool says the challenge's session is gone
// (it was consumed by an earlier attempt whose answer was lost — the SDK
// retried after a connection reset or a cut-off answer — or it expired),
// the password is still in memory, nobody was asked anything yet, and this
// sign-in has not restarted before. A wrong password ("Incorrect username
// or password.") never restarts.
func (f *flow) canRestart(name types.ChallengeNameType, err error) bool {
	if f.restarted || f.asked || f.password == "" {
		return false
	}
	switch name {
	case types.ChallengeNameTypePasswordVerifier, types.ChallengeNameTypeDeviceSrpAuth, types.ChallengeNameTypeDevicePasswordVerifier:
	default:
		return false
	}
	return challengeConsumed(err)
}

// challengeConsumed reports a NotAuthorizedException about the challenge's
// session: Cognito (and cognitotest) answer "Invalid session for the user."
// for a session that was used up or is unknown, and "Invalid session for
// the user, session is expired." for one that ran out. A wrong password is
// "Incorrect username or password.", which this never matches.
func challengeConsumed(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotAuthorizedException" {
		return false
	}
	msg := strings.ToLower(ae.ErrorMessage())
	return strings.Contains(msg, "session") && !strings.Contains(msg, "incorrect username or password")
}

// restart starts the sign-in again with a fresh InitiateAuth (and fresh
// SRP values), once.
func (f *flow) restart(ctx context.Context) (*Tokens, error) {
	f.restarted = true
	f.srp, f.devSRP, f.options, f.attempts = nil, nil, nil, 0
	f.username = f.login
	return f.start(ctx, f.preferred)
}

func needsDeviceKey(name types.ChallengeNameType) bool {
	switch name {
	case types.ChallengeNameTypePasswordVerifier, types.ChallengeNameTypeDeviceSrpAuth,
		types.ChallengeNameTypeDevicePasswordVerifier, types.ChallengeNameTypeSmsMfa,
		types.ChallengeNameTypeSoftwareTokenMfa, types.ChallengeNameTypeEmailOtp, types.ChallengeNameTypeSelectMfaType:
		return true
	}
	return false
}

// isWrongCode reports a refused code: Cognito says CodeMismatchException,
// or EnableSoftwareTokenMFAException when verifying a new authenticator.
func isWrongCode(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.ErrorCode() == "CodeMismatchException" || ae.ErrorCode() == "EnableSoftwareTokenMFAException"
}

func isCodeChallenge(name types.ChallengeNameType) bool {
	switch name {
	case types.ChallengeNameTypeSmsMfa, types.ChallengeNameTypeSoftwareTokenMfa, types.ChallengeNameTypeEmailOtp,
		types.ChallengeNameTypeSmsOtp:
		return true
	}
	return false
}

// answer builds ChallengeResponses for one challenge; it may return a new
// session (MFA setup goes through AssociateSoftwareToken, which does).
func (f *flow) answer(ctx context.Context, name types.ChallengeNameType, params map[string]string, session *string) (map[string]string, *string, error) {
	switch name {
	case types.ChallengeNameTypePasswordVerifier:
		a, err := f.passwordVerifier(params, f.srp, f.password, "USER_ID_FOR_SRP", "PASSWORD_VERIFIER")
		return a, nil, err
	case types.ChallengeNameTypeDeviceSrpAuth:
		if f.device == nil {
			return nil, nil, &Error{Op: "RespondToAuthChallenge", Err: errors.New("the pool asks for device authentication but no device was presented")}
		}
		s, err := srp.NewClient(f.device.GroupKey, f.c.opts.Rand)
		if err != nil {
			return nil, nil, err
		}
		f.devSRP = s
		return map[string]string{"SRP_A": s.A()}, nil, nil
	case types.ChallengeNameTypeDevicePasswordVerifier:
		if f.device == nil || f.devSRP == nil {
			return nil, nil, &Error{Op: "RespondToAuthChallenge", Err: errors.New("unexpected DEVICE_PASSWORD_VERIFIER challenge")}
		}
		// The device key is the SRP user id; the pool sends it as DEVICE_KEY.
		if params["DEVICE_KEY"] == "" {
			params["DEVICE_KEY"] = f.device.Key
		}
		a, err := f.passwordVerifier(params, f.devSRP, f.device.Password, "DEVICE_KEY", "DEVICE_PASSWORD_VERIFIER")
		return a, nil, err
	case types.ChallengeNameTypeMfaSetup:
		return f.mfaSetup(ctx, params, session)
	case types.ChallengeNameTypeSelectChallenge:
		return f.selectChallenge(ctx, params, session)
	}

	ch := &Challenge{Name: string(name), Parameters: params, Username: f.username, Attempt: f.attempts,
		Destination: params["CODE_DELIVERY_DESTINATION"], DeliveryMedium: params["CODE_DELIVERY_DELIVERY_MEDIUM"]}
	var codeKey string
	switch name {
	case types.ChallengeNameTypeNewPasswordRequired:
		req, err := requiredAttributes(params["requiredAttributes"])
		if err != nil {
			return nil, nil, &Error{Op: "RespondToAuthChallenge", Err: err}
		}
		ch.RequiredAttributes = req
		a, err := f.ask(ctx, ch, session)
		if err != nil {
			return nil, nil, err
		}
		if a.NewPassword == "" {
			return nil, nil, &ChallengeError{Challenge: ch.Name, Reason: "no new password given"}
		}
		out := map[string]string{"NEW_PASSWORD": a.NewPassword}
		for _, attr := range req {
			v := a.Attributes[attr]
			if v == "" {
				return nil, nil, &ChallengeError{Challenge: ch.Name, Reason: fmt.Sprintf("the pool requires attribute %q", attr)}
			}
			out["userAttributes."+attr] = v
		}
		return out, nil, nil
	case types.ChallengeNameTypeSelectMfaType:
		opts, err := jsonList("MFAS_CAN_CHOOSE", params["MFAS_CAN_CHOOSE"], "")
		if err != nil {
			return nil, nil, &Error{Op: "RespondToAuthChallenge", Err: err}
		}
		ch.Options = opts
		a, err := f.ask(ctx, ch, session)
		if err != nil {
			return nil, nil, err
		}
		if !slices.Contains(opts, a.Choice) {
			return nil, nil, &ChallengeError{Challenge: ch.Name, Reason: fmt.Sprintf("choose one of %v", opts)}
		}
		return map[string]string{"ANSWER": a.Choice}, nil, nil
	case types.ChallengeNameTypeSmsMfa:
		codeKey = "SMS_MFA_CODE"
	case types.ChallengeNameTypeSoftwareTokenMfa:
		codeKey = "SOFTWARE_TOKEN_MFA_CODE"
	case types.ChallengeNameTypeEmailOtp:
		codeKey = "EMAIL_OTP_CODE"
	case types.ChallengeNameTypeSmsOtp:
		codeKey = "SMS_OTP_CODE"
	case types.ChallengeNameTypeCustomChallenge:
		codeKey = "ANSWER"
	default:
		return nil, nil, &ChallengeError{Challenge: ch.Name, Reason: "this version cannot answer it"}
	}
	a, err := f.ask(ctx, ch, session)
	if err != nil {
		return nil, nil, err
	}
	if a.Code == "" {
		return nil, nil, f.pending(ch, session, "no code given")
	}
	return map[string]string{codeKey: a.Code}, nil, nil
}

// ask calls the handler; no handler, or ErrNoAnswer, becomes a
// *ChallengeError that can be resumed.
func (f *flow) ask(ctx context.Context, ch *Challenge, session *string) (*Answer, error) {
	if f.c.opts.Handler == nil {
		return nil, f.pending(ch, session, "")
	}
	f.asked = true
	a, err := f.c.opts.Handler(ctx, ch)
	if errors.Is(err, ErrNoAnswer) {
		var ce *ChallengeError
		if errors.As(err, &ce) {
			if ce.Pending == nil {
				ce.Pending = f.pendingState(ch, session)
			}
			return nil, ce
		}
		return nil, f.pending(ch, session, "")
	}
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, f.pending(ch, session, "")
	}
	return a, nil
}

func (f *flow) pending(ch *Challenge, session *string, reason string) error {
	return &ChallengeError{Challenge: ch.Name, Reason: reason, Pending: f.pendingState(ch, session)}
}

func (f *flow) pendingState(ch *Challenge, session *string) *Pending {
	if session == nil || *session == "" {
		return nil
	}
	return &Pending{Challenge: ch.Name, Session: *session, Parameters: ch.Parameters, Username: f.username,
		LoginName: f.login, Options: f.options}
}

// passwordVerifier answers PASSWORD_VERIFIER (user SRP) or
// DEVICE_PASSWORD_VERIFIER (device SRP; the device key is the user id).
func (f *flow) passwordVerifier(params map[string]string, client *srp.Client, password, userIDParam, what string) (map[string]string, error) {
	if client == nil {
		return nil, &Error{Op: "RespondToAuthChallenge", Err: fmt.Errorf("unexpected %s challenge (no SRP exchange was started)", what)}
	}
	ch, err := srp.ParseChallenge(params["SALT"], params["SRP_B"], params["SECRET_BLOCK"])
	if err != nil {
		return nil, &Error{Op: "InitiateAuth", Err: err,
			Hint: "the user pool's SRP challenge is malformed; if this is a test server without real SRP (such as moto), use auth_flow = \"password\""}
	}
	userID := params[userIDParam]
	if userID == "" {
		return nil, &Error{Op: "InitiateAuth", Err: fmt.Errorf("%w: %s is missing", srp.ErrInvalidServerValue, userIDParam)}
	}
	if what == "PASSWORD_VERIFIER" && params["USERNAME"] == "" {
		f.username = userID
	}
	// The Date header has one-second resolution; a smaller skew is noise.
	now := f.c.opts.Now()
	if f.skew > 2*time.Second || f.skew < -2*time.Second {
		now = now.Add(f.skew)
	}
	resp, err := client.Respond(ch, userID, password, now)
	if err != nil {
		return nil, &Error{Op: "InitiateAuth", Err: err}
	}
	return map[string]string{
		"PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE":    resp.Signature,
		"TIMESTAMP":                   resp.Timestamp,
	}, nil
}

// selectChallenge answers USER_AUTH's SELECT_CHALLENGE: with a password the
// password factors come first (SRP before plain); otherwise the handler
// picks among what the pool offers.
func (f *flow) selectChallenge(ctx context.Context, params map[string]string, session *string) (map[string]string, *string, error) {
	opts := f.options
	if len(opts) == 0 {
		if l, err := jsonList("AVAILABLE_CHALLENGES", params["AVAILABLE_CHALLENGES"], ""); err == nil {
			opts = l
		}
	}
	choice := ""
	if f.password != "" {
		for _, c := range []string{FactorPasswordSRP, FactorPassword} {
			if slices.Contains(opts, c) {
				choice = c
				break
			}
		}
	}
	if choice == "" {
		usable := slices.DeleteFunc(slices.Clone(opts), func(s string) bool {
			return s == FactorWebAuthn || ((s == FactorPassword || s == FactorPasswordSRP) && f.password == "")
		})
		if len(usable) == 0 {
			if slices.Contains(opts, FactorWebAuthn) {
				return nil, nil, &Error{Op: "RespondToAuthChallenge", Kind: ErrPasskeyNeedsBrowser}
			}
			return nil, nil, &ChallengeError{Challenge: ChallengeSelectChallenge, Reason: fmt.Sprintf("no usable first factor among %v (a password is needed for PASSWORD and PASSWORD_SRP)", opts)}
		}
		ch := &Challenge{Name: ChallengeSelectChallenge, Parameters: params, Username: f.username, Options: usable}
		a, err := f.ask(ctx, ch, session)
		if err != nil {
			return nil, nil, err
		}
		if a.Choice == FactorWebAuthn {
			return nil, nil, &Error{Op: "RespondToAuthChallenge", Kind: ErrPasskeyNeedsBrowser}
		}
		if !slices.Contains(usable, a.Choice) {
			return nil, nil, &ChallengeError{Challenge: ChallengeSelectChallenge, Reason: fmt.Sprintf("choose one of %v", usable)}
		}
		choice = a.Choice
	}
	out := map[string]string{"ANSWER": choice}
	switch choice {
	case FactorPassword:
		out["PASSWORD"] = f.password
	case FactorPasswordSRP:
		s, err := f.newSRP()
		if err != nil {
			return nil, nil, err
		}
		out["SRP_A"] = s.A()
	}
	return out, nil, nil
}

// mfaSetup answers MFA_SETUP: associate an authenticator (the handler shows
// the secret and returns its first code), verify it, then tell the pool.
// A pending setup keeps the secret so that resuming does not ask the user
// to scan a new one.
func (f *flow) mfaSetup(ctx context.Context, params map[string]string, session *string) (map[string]string, *string, error) {
	opts, err := jsonList("MFAS_CAN_SETUP", params["MFAS_CAN_SETUP"], "")
	if err != nil {
		return nil, nil, &Error{Op: "RespondToAuthChallenge", Err: err}
	}
	if len(opts) > 0 && !slices.Contains(opts, ChallengeSoftwareTokenMFA) {
		return nil, nil, &ChallengeError{Challenge: ChallengeMFASetup,
			Reason: fmt.Sprintf("the pool offers %v; this version sets up authenticator apps (SOFTWARE_TOKEN_MFA) only", opts)}
	}
	secret := params[pendingTOTPSecret]
	if secret == "" {
		out, err := f.c.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: session})
		if err != nil {
			return nil, nil, classify("AssociateSoftwareToken", err)
		}
		secret = aws.ToString(out.SecretCode)
		if secret == "" {
			return nil, nil, &Error{Op: "AssociateSoftwareToken", Err: errors.New("the pool returned no secret")}
		}
		if out.Session != nil {
			session = out.Session
		}
	}
	// Copy: the pending state keeps the secret, the answer must not.
	p := make(map[string]string, len(params)+1)
	for k, v := range params {
		p[k] = v
	}
	p[pendingTOTPSecret] = secret
	ch := &Challenge{Name: ChallengeMFASetup, Parameters: p, Username: f.username, Options: []string{ChallengeSoftwareTokenMFA},
		TOTPSecret: secret, TOTPURI: OTPAuthURI(secret, f.c.opts.Issuer, f.login)}
	for attempt := 0; ; attempt++ {
		ch.Attempt = attempt
		a, err := f.ask(ctx, ch, session)
		if err != nil {
			return nil, nil, err
		}
		if a.Code == "" {
			return nil, nil, f.pending(ch, session, "no code from the authenticator given")
		}
		in := &cip.VerifySoftwareTokenInput{Session: session, UserCode: aws.String(a.Code)}
		if a.DeviceName != "" {
			in.FriendlyDeviceName = aws.String(a.DeviceName)
		}
		out, err := f.c.api.VerifySoftwareToken(ctx, in)
		if isWrongCode(err) && attempt+1 < maxCodeAttempts {
			continue
		}
		if err != nil {
			return nil, nil, classify("VerifySoftwareToken", err)
		}
		if out.Status != types.VerifySoftwareTokenResponseTypeSuccess {
			return nil, nil, &Error{Op: "VerifySoftwareToken", Err: fmt.Errorf("status %s", out.Status)}
		}
		if out.Session != nil {
			session = out.Session
		}
		return map[string]string{}, session, nil
	}
}

// pendingTOTPSecret is the Pending.Parameters key that carries an
// associated, not yet verified authenticator secret across a resume.
const pendingTOTPSecret = "cognito-login:TOTP_SECRET"

// finish turns the result into Tokens and confirms a new device.
func (f *flow) finish(ctx context.Context, r *types.AuthenticationResultType) (*Tokens, error) {
	t, err := f.c.tokens(r, "", "RespondToAuthChallenge")
	if err != nil {
		return nil, err
	}
	t.Device = f.device
	if md := r.NewDeviceMetadata; md != nil && aws.ToString(md.DeviceKey) != "" {
		dev, err := f.c.confirmDevice(ctx, t.Username, t.AccessToken, aws.ToString(md.DeviceKey), aws.ToString(md.DeviceGroupKey))
		if err != nil {
			return nil, err
		}
		t.Device = dev
	} else if f.device != nil && !f.device.Remembered && f.c.opts.Handler != nil && accessTokenDeviceKey(t.AccessToken) == f.device.Key {
		// The pool knows this device (it bound the tokens to it) but the
		// user did not want it remembered then; they may now. A device the
		// pool does not know (forgotten, or a pool without device
		// tracking) is not offered: remembering it would fail and lose
		// the tokens.
		a, err := f.c.opts.Handler(ctx, &Challenge{Name: ChallengeRememberDevice, Username: f.username, KnownDevice: true})
		if err != nil && !errors.Is(err, ErrNoAnswer) {
			return nil, err
		}
		if err == nil && a != nil && a.Remember {
			if err := f.c.rememberDevice(ctx, t.AccessToken, f.device.Key, true); err != nil {
				return nil, err
			}
			dev := *f.device
			dev.Remembered = true
			t.Device = &dev
		}
	}
	return t, nil
}
