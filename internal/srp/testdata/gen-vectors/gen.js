#!/usr/bin/env node
// Generates ../vectors.json: SRP test vectors computed by
// amazon-cognito-identity-js's own AuthenticationHelper, DateHelper and
// CognitoUser signature code, with its randomness and clock pinned.
//
// Regenerate (from the repository root):
//
//	cd internal/srp/testdata/gen-vectors && npm ci && node gen.js > ../vectors.json
//
// The output is deterministic: all "random" values come from a SHA-256
// counter stream seeded by fixed labels, fed to the library through its
// own random source (lib/utils/cryptoSecureRandomInt), so the library draws
// a (and the device password and salt) itself, exactly as in a sign-in.
'use strict';

const nodeCrypto = require('node:crypto');
const assert = require('node:assert/strict');
const { Buffer } = require('node:buffer');

const LIB = 'amazon-cognito-identity-js';
const libVersion = require(`${LIB}/package.json`).version;

// --- Pin the library's randomness -------------------------------------------
// WordArray.random() calls cryptoSecureRandomInt.default() once per 4 bytes and
// lays the 32-bit words out big-endian, so feeding big-endian words from a
// byte queue makes randomBytes(n) return exactly the queued bytes.
const randomIntModule = require(`${LIB}/lib/utils/cryptoSecureRandomInt`);
let byteQueue = Buffer.alloc(0);
randomIntModule.default = function pinnedRandomInt() {
  if (byteQueue.length < 4) {
    throw new Error('gen.js: library asked for more random bytes than were queued');
  }
  const w = byteQueue.readUInt32BE(0);
  byteQueue = byteQueue.subarray(4);
  return w;
};
function queueRandom(buf) {
  assert.equal(byteQueue.length, 0, 'random queue not drained');
  byteQueue = Buffer.from(buf);
}
function assertDrained() {
  assert.equal(byteQueue.length, 0, 'library did not consume all queued random bytes');
}

const AuthenticationHelper = require(`${LIB}/lib/AuthenticationHelper`).default;
const BigInteger = require(`${LIB}/lib/BigInteger`).default;
const DateHelper = require(`${LIB}/lib/DateHelper`).default;
const { Sha256 } = require('@aws-crypto/sha256-js');

// --- Pin the clock -----------------------------------------------------------
const RealDate = Date;
function withFixedDate(iso, fn) {
  const fixed = new RealDate(iso).getTime();
  assert.ok(!Number.isNaN(fixed), `bad date ${iso}`);
  global.Date = class FixedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(fixed);
      else super(...args);
    }
    static now() {
      return fixed;
    }
  };
  try {
    return fn();
  } finally {
    global.Date = RealDate;
  }
}

// --- Deterministic byte stream (test data only) ----------------------------
function stream(label, n) {
  const out = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const h = nodeCrypto.createHash('sha256').update(`${label}/${i}`).digest();
    out.push(h);
    len += h.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

// Calls a node-style-callback API that the library runs synchronously.
function sync(fn) {
  let result;
  let called = false;
  fn((err, v) => {
    if (err) throw err;
    called = true;
    result = v;
  });
  assert.ok(called, 'library callback was not called synchronously');
  return result;
}

const ZERO = BigInteger.ZERO;
const bi = (hex) => new BigInteger(hex, 16);

function helperWithA(poolName, aBytes) {
  queueRandom(aBytes);
  const h = new AuthenticationHelper(poolName);
  assertDrained();
  return h;
}

// x as getPasswordAuthenticationKey computes it (it is a local there), with the
// helper's own hash/hexHash/padHex.
function computeX(h, salt, userId, password) {
  const usernamePasswordHash = h.hash(`${h.poolName}${userId}:${password}`);
  return bi(h.hexHash(h.padHex(salt) + usernamePasswordHash));
}

// B = (k·v + g^b) mod N as a Cognito server computes it, with the helper's
// BigInteger and constants; v = g^x mod N.
function serverB(h, v, b) {
  const gb = sync((cb) => h.g.modPow(b, h.N, cb));
  return h.k.multiply(v).add(gb).mod(h.N);
}

// PASSWORD_CLAIM_SIGNATURE exactly as CognitoUser.authenticateUserDefaultAuth
// (and getDeviceResponse) builds it.
function claimSignature(hkdf, poolName, userId, secretBlockB64, dateNow) {
  const concatBuffer = Buffer.concat([
    Buffer.from(poolName, 'utf8'),
    Buffer.from(userId, 'utf8'),
    Buffer.from(secretBlockB64, 'base64'),
    Buffer.from(dateNow, 'utf8'),
  ]);
  const awsCryptoHash = new Sha256(hkdf);
  awsCryptoHash.update(concatBuffer);
  return Buffer.from(awsCryptoHash.digestSync()).toString('base64');
}

// DateHelper.getNowString() with Date pinned to iso.
function libTimestamp(iso) {
  return withFixedDate(iso, () => new DateHelper().getNowString());
}

// One USER_SRP_AUTH (or DEVICE_SRP_AUTH) exchange.
//   opts.B     : SRP_B string as the server sends it (then no b/verifier), or
//   opts.bSeed : label for b; B = k·v + g^b mod N is computed here.
//   opts.saltHex: SALT string as the server sends it.
function srpCase(opts) {
  const aBytes = opts.aBytes || stream(`a/${opts.name}`, 128);
  const h = helperWithA(opts.poolName, aBytes);
  const A = sync((cb) => h.getLargeAValue(cb));
  assert.ok(h.smallAValue.equals(bi(aBytes.toString('hex'))), 'smallAValue is not the queued a');

  const salt = bi(opts.saltHex);
  const inputs = {
    poolName: opts.poolName,
    userIdForSrp: opts.userId,
    password: opts.password,
    a: aBytes.toString('hex'),
    salt: opts.saltHex,
  };
  let bHex;
  let b;
  let v;
  if (opts.B !== undefined) {
    bHex = opts.B;
  } else {
    const x0 = computeX(h, salt, opts.userId, opts.password);
    v = sync((cb) => h.g.modPow(x0, h.N, cb));
    b = bi((opts.bBytes || stream(`b/${opts.bSeed || opts.name}`, 128)).toString('hex'));
    bHex = serverB(h, v, b).toString(16);
    if (opts.upperB) bHex = bHex.toUpperCase();
  }
  inputs.B = bHex;
  if (b) {
    inputs.b = b.toString(16);
    inputs.verifier = v.toString(16);
  }
  inputs.secretBlock = opts.secretBlock || stream(`secret-block/${opts.name}`, opts.secretBlockLen || 96).toString('base64');
  inputs.date = opts.date;

  const serverBValue = bi(bHex);
  const hkdf = sync((cb) => h.getPasswordAuthenticationKey(opts.userId, opts.password, serverBValue, salt, cb));
  const u = h.UValue;
  const x = computeX(h, salt, opts.userId, opts.password);
  const S = sync((cb) => h.calculateS(x, serverBValue, cb));
  const timestamp = libTimestamp(opts.date);
  const signature = claimSignature(hkdf, opts.poolName, opts.userId, inputs.secretBlock, timestamp);

  // What the case is meant to exercise, asserted on the library's values.
  const kgx = h.k.multiply(sync((cb) => h.g.modPow(x, h.N, cb)));
  const facts = {
    saltPadHex: h.padHex(salt),
    uPadHex: h.padHex(u),
    APadHex: h.padHex(A),
    BPadHex: h.padHex(serverBValue),
    BMinusKgxNegative: serverBValue.subtract(kgx).compareTo(ZERO) < 0,
    BLessThanKgxModN: serverBValue.compareTo(kgx.mod(h.N)) < 0,
  };
  for (const check of opts.expect || []) check(facts, { u, salt, A, S });

  return {
    name: opts.name,
    covers: opts.covers,
    inputs,
    outputs: {
      A: A.toString(16),
      u: u.toString(16),
      x: x.toString(16),
      S: S.toString(16),
      hkdf: Buffer.from(hkdf).toString('hex'),
      timestamp,
      signature,
    },
    facts,
  };
}

const firstNibbleHigh = (hex) => /^[89a-f]/i.test(hex);

// Search b seeds (and salts) until the predicate holds; deterministic.
function search(name, pred, make) {
  for (let i = 0; i < 10000; i++) {
    const c = make(i);
    if (pred(c)) return c;
  }
  throw new Error(`gen.js: no seed found for ${name}`);
}

const cases = [];

// (f) normal case.
cases.push(
  srpCase({
    name: 'normal',
    covers: ['realistic B = k·v + g^b from a fixed b', 'UUID USER_ID_FOR_SRP'],
    poolName: 'AbC123xyz',
    userId: '3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a',
    password: 'Correct-horse-battery-1',
    saltHex: stream('salt/normal', 16).toString('hex'),
    date: '2026-01-20T10:11:12Z',
  }),
);

// (a) salt and u with the high bit set: padHex prepends "00" to both.
{
  const base = {
    covers: ['salt high bit set (padHex adds "00")', 'u high bit set (padHex adds "00")'],
    poolName: 'eUpL0oLnAmE',
    userId: 'alice',
    password: 'hunter2-Hunter2',
    date: '2026-02-14T07:30:00Z',
  };
  const found = search(
    'high bits',
    (c) => c.facts.saltPadHex.startsWith('00') && c.facts.uPadHex.startsWith('00'),
    (i) =>
      srpCase({
        ...base,
        name: 'salt and u high bit',
        saltHex: stream(`salt/high/${i}`, 16).toString('hex'),
        bSeed: `high/${i}`,
      }),
  );
  assert.ok(firstNibbleHigh(found.inputs.salt) && firstNibbleHigh(found.outputs.u));
  cases.push(found);
}

// u whose top byte is < 0x10: its hex has odd length and padHex prepends "0".
{
  const found = search(
    'u short',
    (c) => c.outputs.u.length % 2 === 1,
    (i) =>
      srpCase({
        name: 'u with leading zero nibble',
        covers: ['u hex of odd length (padHex adds "0")'],
        poolName: 'AbC123xyz',
        userId: 'bob',
        password: 'Pa55word!',
        saltHex: stream('salt/ushort', 16).toString('hex'),
        bSeed: `ushort/${i}`,
        date: '2026-06-30T23:59:59Z',
      }),
  );
  cases.push(found);
}

// (b) B − k·g^x negative before reduction, with a tiny B (no b is known, so the
// server side is not checked for this case).
cases.push(
  srpCase({
    name: 'small B (B - k*g^x negative)',
    covers: ['B − k·g^x < 0 before reduction', 'B < (k·g^x mod N)', 'B not produced by a server'],
    poolName: 'AbC123xyz',
    userId: 'carol',
    password: 'Tr0ub4dor&3',
    saltHex: stream('salt/smallB', 16).toString('hex'),
    B: '2',
    date: '2026-04-01T12:00:00Z',
    expect: [
      (f) => assert.ok(f.BMinusKgxNegative, 'B - k*g^x should be negative'),
      (f) => assert.ok(f.BLessThanKgxModN, 'B should be < k*g^x mod N'),
    ],
  }),
);

// (c) single-digit day and single-digit hour/minute/second.
cases.push(
  srpCase({
    name: 'single-digit day',
    covers: ['day of month not zero-padded', 'hours, minutes, seconds zero-padded'],
    poolName: 'AbC123xyz',
    userId: 'dave',
    password: 'correct horse battery staple',
    saltHex: stream('salt/day', 16).toString('hex'),
    date: '2026-03-05T09:03:07Z',
  }),
);

// (d) afternoon hour.
cases.push(
  srpCase({
    name: 'afternoon hour',
    covers: ['24-hour clock (15:04:05)'],
    poolName: 'AbC123xyz',
    userId: 'erin',
    password: 'Pässwörd-✓-日本',
    saltHex: stream('salt/pm', 16).toString('hex'),
    date: '2026-01-02T15:04:05Z',
  }),
);

// (g) salt sent with a leading zero byte ("00…"), and one of odd length.
cases.push(
  srpCase({
    name: 'salt with leading zero byte',
    covers: ['SALT "00…" as sent (parsed, then re-padded by padHex)'],
    poolName: 'AbC123xyz',
    userId: 'frank',
    password: 'Zero-salt-1',
    saltHex: `00${stream('salt/zero', 15).toString('hex').replace(/^[89a-f]/, '1')}`,
    date: '2026-05-09T00:00:00Z',
    expect: [(f) => assert.ok(!f.saltPadHex.startsWith('00'), 'padHex should drop the leading zero byte here')],
  }),
);
cases.push(
  srpCase({
    name: 'odd-length salt and uppercase B',
    covers: ['SALT of odd hex length', 'SRP_B in uppercase hex'],
    poolName: 'AbC123xyz',
    userId: 'grace',
    password: 'Upper-Case-B-9',
    saltHex: `7${stream('salt/odd', 15).toString('hex')}`,
    upperB: true,
    date: '2026-12-31T18:45:30Z',
  }),
);

// DEVICE_SRP_AUTH: generateHashDevice with pinned randomness, then a device
// sign-in with AuthenticationHelper(deviceGroupKey) as getDeviceResponse does.
const deviceCases = [];
function deviceCase(name, covers, deviceGroupKey, deviceKey, random) {
  assert.equal(random.length, 56);
  const h = helperWithA(deviceGroupKey, stream(`device-helper/${name}`, 128));
  queueRandom(random);
  sync((cb) => h.generateHashDevice(deviceGroupKey, deviceKey, cb));
  assertDrained();
  return {
    name,
    covers,
    deviceGroupKey,
    deviceKey,
    random: random.toString('hex'),
    randomPassword: h.getRandomPassword(),
    salt: h.getSaltDevices(),
    verifier: h.getVerifierDevices(),
    // DeviceSecretVerifierConfig as CognitoUser sends it to ConfirmDevice.
    saltB64: Buffer.from(h.getSaltDevices(), 'hex').toString('base64'),
    passwordVerifierB64: Buffer.from(h.getVerifierDevices(), 'hex').toString('base64'),
  };
}
deviceCases.push(
  deviceCase('device', ['random device password and salt → verifier'], '-abcDEF12', 'eu-west-1_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', stream('device/1', 56)),
);
{
  const r = Buffer.from(stream('device/2', 56));
  r[40] = 0x00; // salt bytes start 00 0x: padHex strips them
  r[41] = 0x0c;
  deviceCases.push(
    deviceCase('device salt with leading zero bytes', ['device salt whose 16 random bytes start 00 0c'], '-XyZ987', 'us-east-1_aaaabbbb-cccc-dddd-eeee-ffff00001111', r),
  );
}
{
  const r = Buffer.from(stream('device/3', 56));
  r[40] |= 0x80; // salt high bit: padHex adds "00"
  deviceCases.push(deviceCase('device salt high bit', ['device salt with its high bit set'], '-XyZ987', 'us-east-1_12345678-90ab-cdef-1234-567890abcdef', r));
}
for (const d of deviceCases) {
  const c = srpCase({
      name: `device sign-in: ${d.name}`,
      covers: ['DEVICE_SRP_AUTH: pool name = device group key, user = device key, password = random device password'],
      poolName: d.deviceGroupKey,
      userId: d.deviceKey,
      password: d.randomPassword,
      saltHex: d.salt,
      date: '2026-08-17T16:20:00Z',
    });
  // The server's verifier is the one generateHashDevice produced.
  assert.ok(bi(c.inputs.verifier).equals(bi(d.verifier)), 'device verifier mismatch');
  cases.push(c);
}

// (e) SECRET_HASH. amazon-cognito-identity-js 6.3.21 has no client-secret
// support (no SECRET_HASH anywhere in lib/), so these are checked against Node's
// crypto: base64(HMAC-SHA256(key = client secret, message = username | client id)),
// as the Cognito documentation defines it.
const secretHashCases = [
  ['ascii', 'alice', '1example23456789abcdefghij', 'abcdef0123456789abcdef0123456789abcdef0123456789abcd'],
  ['uuid username', '3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a', '7d4lp5ebs0t0p1lfd5ot5fvtm0', '1r2l5q1n8f7u8j4lq0m7nq6hk2uhc1t2r4a7v9k8n3m5b6c2d1e'],
  ['unicode username', 'zoë@example.com', '7d4lp5ebs0t0p1lfd5ot5fvtm0', 'sëcret-✓'],
].map(([name, username, clientId, clientSecret]) => ({
  name,
  username,
  clientId,
  clientSecret,
  secretHash: nodeCrypto.createHmac('sha256', Buffer.from(clientSecret, 'utf8')).update(Buffer.from(username + clientId, 'utf8')).digest('base64'),
  checkedAgainst: `node:crypto HMAC-SHA256 (${LIB}@${libVersion} has no client-secret support)`,
}));

// Sanity: names unique, and the library's timestamp for a known date.
assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
assert.equal(libTimestamp('2026-03-05T09:03:07Z'), 'Thu Mar 5 09:03:07 UTC 2026');

process.stdout.write(
  `${JSON.stringify(
    {
      generator: 'internal/srp/testdata/gen-vectors/gen.js',
      library: `${LIB}@${libVersion}`,
      regenerate: 'cd internal/srp/testdata/gen-vectors && npm ci && node gen.js > ../vectors.json',
      notes: [
        'All hex is lowercase BigInteger.toString(16) unless an input is deliberately sent otherwise; a, b and the device random bytes are the exact bytes fed to the library random source.',
        'outputs.A is SRP_A as CognitoUser sends it (largeAValue.toString(16)); u is AuthenticationHelper.UValue; S comes from AuthenticationHelper.calculateS; x is computed with the helper hash/hexHash/padHex as in getPasswordAuthenticationKey; hkdf is getPasswordAuthenticationKey result.',
        'outputs.timestamp is DateHelper.getNowString() with Date pinned to inputs.date; outputs.signature is PASSWORD_CLAIM_SIGNATURE built as CognitoUser.authenticateUserDefaultAuth does.',
        'inputs.b and inputs.verifier are present when B was made as a server does, B = (k·v + g^b) mod N; then a server-side check with b must accept the signature.',
        'secretHashCases are checked against node:crypto, not the library (it has no SECRET_HASH support).',
      ],
      srpCases: cases,
      deviceCases,
      secretHashCases,
    },
    null,
    2,
  )}\n`,
);
