// What the interop scripts share: the crypto callbacks oid4vc-ts and sd-jwt-js leave to their
// caller (they have none of their own), and a did:key resolver for Ed25519 and P-256 keys.
// Everything here uses Node's own crypto and `jose`; nothing comes from vcnet.
import { createHash, randomBytes, webcrypto } from 'node:crypto'
import * as jose from 'jose'
import { setGlobalConfig } from '@openid4vc/utils'

// vcnet's test nodes serve plain HTTP on loopback.
setGlobalConfig({ allowInsecureUrls: true })

export const hash = (data) => new Uint8Array(createHash('sha256').update(data).digest())
export const generateRandom = (n) => new Uint8Array(randomBytes(n))
export const b64u = (bytes) => Buffer.from(bytes).toString('base64url')

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** Decodes base58btc (the `z` multibase of did:key). */
export function base58btc(s) {
  let n = 0n
  for (const c of s) {
    const v = ALPHABET.indexOf(c)
    if (v < 0) throw new Error(`not base58btc: ${c}`)
    n = n * 58n + BigInt(v)
  }
  const bytes = []
  while (n > 0n) {
    bytes.unshift(Number(n % 256n))
    n /= 256n
  }
  for (const c of s) {
    if (c !== '1') break
    bytes.unshift(0)
  }
  return Uint8Array.from(bytes)
}

/** Encodes base58btc. */
export function base58btcEncode(bytes) {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = `1${out}`
  }
  return out
}

/** The did:key of an Ed25519 public JWK, and the DID URL of its key. */
export function ed25519DidKey(jwk) {
  const raw = Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(jwk.x, 'base64url')])
  const did = `did:key:z${base58btcEncode(raw)}`
  return { did, kid: `${did}#${did.slice('did:key:'.length)}` }
}

/** oid4vc-ts's `verifyJwt` callback: the signer's key from its JWK or its did:key. */
export async function verifyJwtCallback(signer, { compact }) {
  const jwk = signer.method === 'jwk' ? signer.publicJwk : await didKeyJwk(signer.didUrl)
  const [h, p, s] = compact.split('.')
  return { verified: await verifyWith(jwk, `${h}.${p}`, s), signerJwk: jwk }
}

/** The public JWK of a did:key (Ed25519 `z6Mk…` or P-256 `zDn…`), or of its DID URL. */
export async function didKeyJwk(didOrUrl) {
  const did = didOrUrl.split('#')[0]
  if (!did.startsWith('did:key:z')) throw new Error(`not a did:key: ${did}`)
  const raw = base58btc(did.slice('did:key:z'.length))
  if (raw[0] === 0xed && raw[1] === 0x01) {
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(raw.slice(2)) }
  }
  if (raw[0] === 0x80 && raw[1] === 0x24) {
    // A compressed P-256 point: let WebCrypto decompress it through an SPKI wrapper.
    const spkiPrefix = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex')
    const key = await webcrypto.subtle.importKey(
      'spki',
      Buffer.concat([spkiPrefix, Buffer.from(raw.slice(2))]),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    )
    const jwk = await webcrypto.subtle.exportKey('jwk', key)
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
  }
  throw new Error(`did:key multicodec ${raw[0].toString(16)} ${raw[1].toString(16)} is not Ed25519 or P-256`)
}

/** The `alg` of a public JWK. */
export const algOf = (jwk) => (jwk.crv === 'Ed25519' ? 'EdDSA' : 'ES256')

/** Verifies a raw JWS signature (`sig`, base64url) over `data` with a public JWK. */
export async function verifyWith(jwk, data, sig) {
  const ed = algOf(jwk) === 'EdDSA'
  const key = await webcrypto.subtle.importKey(
    'jwk',
    jwk,
    ed ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  )
  const params = ed ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' }
  return webcrypto.subtle.verify(params, key, Buffer.from(sig, 'base64url'), Buffer.from(data))
}

/** A fresh key pair for `alg` (ES256 or EdDSA): the private CryptoKey and the public JWK. */
export async function newKey(alg) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true })
  const jwk = await jose.exportJWK(publicKey)
  return { privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y ? { y: jwk.y } : {}) } }
}

/** Signs `{header, payload}` as a compact JWS. */
export async function signCompact(privateKey, header, payload) {
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(privateKey)
}

/** Prints a JSON result line and exits 0, or the error and exits 1. */
export function finish(promise) {
  promise.then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`)
      process.exit(0)
    },
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n${e?.response ? JSON.stringify(e.response) : ''}\n`)
      process.exit(1)
    },
  )
}
