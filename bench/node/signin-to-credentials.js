// bench/run's Node side: the same cold sign-in to credentials as
// `cognito-login login`, done by amazon-cognito-identity-js (USER_SRP_AUTH)
// and then the identity pool's enhanced flow (GetId,
// GetCredentialsForIdentity) with plain fetch, as an app using that library
// would. Four requests, like the Go client.
//
//   SIGNIN_PASSWORD=… node signin-to-credentials.js ENDPOINT_URL USER_POOL_ID CLIENT_ID IDENTITY_POOL_ID USERNAME [N]
//
// Signs in N times (default 1) one after the other in this one process and
// prints one JSON line: {"ok":true,"ms":[…per sign-in…],"accessKeyId":"ASIA…"}.
// The first sign-in is the cold one; later ones show the warmed-up library.
// amazon-cognito-identity-js is loaded from e2e/testdata/node-conformance
// (npm ci --prefix e2e/testdata/node-conformance).
'use strict';

const path = require('path');
const { createRequire } = require('module');

const lib = createRequire(path.join(__dirname, '..', '..', 'e2e', 'testdata', 'node-conformance', 'package.json'))(
  'amazon-cognito-identity-js');

const [endpoint, userPoolId, clientId, identityPoolId, username, nArg] = process.argv.slice(2);
const password = process.env.SIGNIN_PASSWORD;
if (!endpoint || !userPoolId || !clientId || !identityPoolId || !username || !password) {
  process.stderr.write('usage: SIGNIN_PASSWORD=... node signin-to-credentials.js ENDPOINT_URL USER_POOL_ID CLIENT_ID IDENTITY_POOL_ID USERNAME [N]\n');
  process.exit(2);
}
const n = Number(nArg || '1');

function signIn() {
  return new Promise((resolve, reject) => {
    const pool = new lib.CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
    const user = new lib.CognitoUser({ Username: username, Pool: pool });
    user.authenticateUser(new lib.AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error('NEW_PASSWORD_REQUIRED')),
      mfaRequired: () => reject(new Error('SMS_MFA')),
      totpRequired: () => reject(new Error('SOFTWARE_TOKEN_MFA')),
      mfaSetup: () => reject(new Error('MFA_SETUP')),
      selectMFAType: () => reject(new Error('SELECT_MFA_TYPE')),
    });
  });
}

async function identity(op, body) {
  const resp = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityService.' + op },
    body: JSON.stringify(body),
  });
  const out = await resp.json();
  if (!resp.ok) {
    throw new Error(`${op}: ${resp.status} ${JSON.stringify(out)}`);
  }
  return out;
}

async function main() {
  const region = userPoolId.split('_')[0];
  const ms = [];
  let accessKeyId;
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const session = await signIn();
    const logins = { [`cognito-idp.${region}.amazonaws.com/${userPoolId}`]: session.getIdToken().getJwtToken() };
    const { IdentityId } = await identity('GetId', { IdentityPoolId: identityPoolId, Logins: logins });
    const { Credentials } = await identity('GetCredentialsForIdentity', { IdentityId, Logins: logins });
    accessKeyId = Credentials.AccessKeyId;
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  process.stdout.write(JSON.stringify({ ok: true, ms, accessKeyId }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`signin-to-credentials.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
