// Signs in to a Cognito user pool (the cognitotest emulator in e2e tests)
// with amazon-cognito-identity-js, the library's default flow USER_SRP_AUTH.
//
//   node signin.js ENDPOINT_URL USER_POOL_ID CLIENT_ID USERNAME [NEW_PASSWORD]
//
// The password is read from $SIGNIN_PASSWORD (not argv, so it stays out of
// process listings). If the pool answers NEW_PASSWORD_REQUIRED, the new
// password (argv[6]) is set with completeNewPasswordChallenge.
//
// TOTP: the codes are computed here, with this script's own RFC 6238
// implementation (node's crypto, HMAC-SHA-1, 30-second steps, 6 digits),
// not the emulator's or the library's.
//   - SOFTWARE_TOKEN_MFA (totpRequired): the authenticator's base32 secret
//     is $TOTP_SECRET; the code goes back with sendMFACode.
//   - MFA_SETUP (mfaSetup): associateSoftwareToken gives a fresh secret,
//     verifySoftwareToken sends its code; the secret is printed as
//     "totpSecret" so the caller can sign in with it later.
//   $TOTP_TIME_OFFSET (seconds, default 0) is added to the clock for the
//   codes, to follow an emulator whose clock was moved on.
//
// Prints one JSON line on stdout:
//   {"ok":true,"path":"password|newPasswordRequired|totpRequired|mfaSetup|...","newPasswordRequired":bool,"idTokenPayload":{...},"accessTokenPayload":{...},"hasRefreshToken":bool}
//   {"ok":false,"path":"...","code":"NotAuthorizedException","message":"..."}
// ("path" is the challenges answered, joined by "+", or "password"; an
// MFA_SETUP run adds "totpSecret") and exits 0 either way (2 for bad usage
// or a broken TOTP implementation), so the caller judges the result.
'use strict';

const crypto = require('crypto');
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

// ---- RFC 6238 TOTP, independent of the emulator and the library ----

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// base32Decode decodes RFC 4648 base32; case, spaces and padding are
// tolerated, as authenticator apps tolerate them.
function base32Decode(text) {
  const s = text.toUpperCase().replace(/[\s=]/g, '');
  if (s === '') {
    throw new Error('empty TOTP secret');
  }
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = BASE32.indexOf(ch);
    if (v < 0) {
      throw new Error(`TOTP secret is not base32: bad character ${JSON.stringify(ch)}`);
    }
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

// totp is the 6-digit HMAC-SHA-1 code of secret at unixSeconds.
function totp(secretBase32, unixSeconds) {
  const counter = Math.floor(unixSeconds / 30);
  const msg = Buffer.alloc(8);
  msg.writeUInt32BE(Math.floor(counter / 0x100000000), 0);
  msg.writeUInt32BE(counter % 0x100000000, 4);
  const mac = crypto.createHmac('sha1', base32Decode(secretBase32)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 1000000).padStart(6, '0');
}

// RFC 6238 appendix B (SHA-1 seed "12345678901234567890"), last 6 digits:
// a broken implementation must not pass for a refusing emulator.
for (const [t, want] of [[59, '287082'], [1111111109, '081804'], [1234567890, '005924'], [20000000000, '353130']]) {
  const got = totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', t);
  if (got !== want) {
    process.stderr.write(`signin.js: TOTP self-test failed at T=${t}: got ${got}, want ${want}\n`);
    process.exit(2);
  }
}

const totpOffset = Number(process.env.TOTP_TIME_OFFSET || '0');
if (!Number.isFinite(totpOffset)) {
  process.stderr.write('signin.js: TOTP_TIME_OFFSET must be a number of seconds\n');
  process.exit(2);
}
function totpNow(secretBase32) {
  return totp(secretBase32, Date.now() / 1000 + totpOffset);
}

// ---- sign-in ----

const challenges = [];
let totpSecret;

function finish(result) {
  result.path = challenges.length ? challenges.join('+') : 'password';
  if (totpSecret !== undefined) {
    result.totpSecret = totpSecret;
  }
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
    challenges.push('newPasswordRequired');
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
    challenges.push('mfaRequired');
    finish({ ok: false, code: 'MfaRequired', message: 'SMS MFA is not handled by this script' });
  },
  selectMFAType(challengeName, challengeParameters) {
    challenges.push('selectMFAType');
    finish({ ok: false, code: 'SelectMFAType', message: 'choosing an MFA type is not handled by this script', challengeParameters });
  },
  totpRequired() {
    challenges.push('totpRequired');
    const secret = process.env.TOTP_SECRET;
    if (!secret) {
      return finish({ ok: false, code: 'TotpRequired', message: 'the pool asks for a TOTP code; set TOTP_SECRET' });
    }
    let code;
    try {
      code = totpNow(secret);
    } catch (err) {
      return finish({ ok: false, code: 'BadTotpSecret', message: err.message });
    }
    user.sendMFACode(code, callbacks, 'SOFTWARE_TOKEN_MFA');
  },
  mfaSetup(challengeName, challengeParameters) {
    challenges.push('mfaSetup');
    const canSetUp = JSON.parse((challengeParameters && challengeParameters.MFAS_CAN_SETUP) || '[]');
    if (!canSetUp.includes('SOFTWARE_TOKEN_MFA')) {
      return finish({ ok: false, code: 'MfaSetupWithoutTotp', message: `MFAS_CAN_SETUP is ${JSON.stringify(canSetUp)}` });
    }
    user.associateSoftwareToken({
      associateSecretCode(secret) {
        totpSecret = secret;
        let code;
        try {
          code = totpNow(secret);
        } catch (err) {
          return finish({ ok: false, code: 'BadTotpSecret', message: err.message });
        }
        user.verifySoftwareToken(code, 'js-device', callbacks);
      },
      onFailure: callbacks.onFailure,
    });
  },
};

user.authenticateUser(details, callbacks);
