// Signs in to a Cognito user pool (the cognitotest emulator in e2e tests)
// with amazon-cognito-identity-js, the library's default flow USER_SRP_AUTH.
//
//   node signin.js ENDPOINT_URL USER_POOL_ID CLIENT_ID USERNAME [NEW_PASSWORD]
//
// The password is read from $SIGNIN_PASSWORD (not argv, so it stays out of
// process listings). If the pool answers NEW_PASSWORD_REQUIRED, the new
// password (argv[6]) is set with completeNewPasswordChallenge.
//
// Prints one JSON line on stdout:
//   {"ok":true,"newPasswordRequired":bool,"idTokenPayload":{...},"accessTokenPayload":{...},"hasRefreshToken":bool}
//   {"ok":false,"code":"NotAuthorizedException","message":"..."}
// and exits 0 either way (2 for bad usage), so the caller judges the result.
'use strict';

const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const [endpoint, userPoolId, clientId, username, newPassword] = process.argv.slice(2);
const password = process.env.SIGNIN_PASSWORD;
if (!endpoint || !userPoolId || !clientId || !username || !password) {
  process.stderr.write('usage: SIGNIN_PASSWORD=... node signin.js ENDPOINT_URL USER_POOL_ID CLIENT_ID USERNAME [NEW_PASSWORD]\n');
  process.exit(2);
}

function finish(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// Never hang: the Go test has its own timeout, but say why here.
setTimeout(() => finish({ ok: false, code: 'Timeout', message: 'no answer from the user pool within 30s' }), 30000).unref();

const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
const user = new CognitoUser({ Username: username, Pool: pool });
const details = new AuthenticationDetails({ Username: username, Password: password });
let newPasswordRequired = false;

const callbacks = {
  onSuccess(session) {
    finish({
      ok: true,
      newPasswordRequired,
      authenticationFlowType: user.getAuthenticationFlowType(),
      idTokenPayload: session.getIdToken().decodePayload(),
      accessTokenPayload: session.getAccessToken().decodePayload(),
      hasRefreshToken: Boolean(session.getRefreshToken().getToken()),
    });
  },
  onFailure(err) {
    finish({ ok: false, code: err.code || err.name, message: err.message });
  },
  newPasswordRequired(userAttributes, requiredAttributes) {
    if (newPasswordRequired) {
      return finish({ ok: false, code: 'NewPasswordRequiredAgain', message: 'the pool asked for a new password twice' });
    }
    newPasswordRequired = true;
    if (!newPassword) {
      return finish({ ok: false, code: 'NewPasswordRequired', message: 'the pool requires a new password; pass NEW_PASSWORD', requiredAttributes });
    }
    // Attributes the user already has are not sent back (email_verified,
    // for one, is not writable); only the required ones would be.
    const attrs = {};
    for (const name of requiredAttributes || []) {
      attrs[name] = userAttributes[name] || 'e2e';
    }
    user.completeNewPasswordChallenge(newPassword, attrs, callbacks);
  },
  mfaRequired() {
    finish({ ok: false, code: 'MfaRequired', message: 'SMS MFA is not handled by this script' });
  },
  totpRequired() {
    finish({ ok: false, code: 'TotpRequired', message: 'TOTP MFA is not handled by this script' });
  },
};

user.authenticateUser(details, callbacks);
