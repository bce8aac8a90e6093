// An independent OpenID4VP 1.0 verifier (oid4vc-ts's Openid4vpVerifier, sd-jwt-js to check
// the presentation) on loopback, for a vcnet holder to answer: `node vp-verifier.mjs VCT
// CLAIM…` prints {link, clientId} (a signed request by reference from a did:key verifier,
// DCQL for one SD-JWT VC of VCT with the claims, response mode direct_post.jwt), then, once
// the wallet has answered, a second line {verified, claims, kbAud, kbNonceOk}: the response
// decrypted and parsed by the library, the SD-JWT VC verified by sd-jwt-js (issuer signature,
// digests, key binding with the request's nonce, status from the issuer's Token Status List).
// It exits after that answer, or when stdin closes.
import http from 'node:http'
import { Openid4vpVerifier } from '@openid4vc/openid4vp'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest } from '@sd-jwt/crypto-nodejs'
import * as jose from 'jose'
import {
  b64u,
  didKeyJwk,
  ed25519DidKey,
  generateRandom,
  hash,
  newKey,
  signCompact,
  verifyJwtCallback,
  verifyWith,
} from './common.mjs'


const [vct, ...claims] = process.argv.slice(2)
const { privateKey, publicJwk } = await newKey('EdDSA')
const { did, kid } = ed25519DidKey(publicJwk)
const clientId = `decentralized_identifier:${did}`
const enc = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
const encJwk = { ...(await jose.exportJWK(enc.publicKey)), use: 'enc', alg: 'ECDH-ES', kid: 'resp-1' }

const verifyJwt = verifyJwtCallback
const callbacks = {
  hash,
  generateRandom,
  signJwt: async (signer, { header, payload }) => ({
    jwt: await signCompact(privateKey, header, payload),
    signerJwk: publicJwk,
  }),
  verifyJwt,
  encryptJwe: async () => {
    throw new Error('the verifier encrypts nothing')
  },
  decryptJwe: async (jwe) => {
    const { plaintext } = await jose.compactDecrypt(jwe, enc.privateKey)
    return { decrypted: true, decryptionJwk: encJwk, payload: new TextDecoder().decode(plaintext) }
  },
}
const verifier = new Openid4vpVerifier({ callbacks })

const server = http.createServer()
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const base = `http://127.0.0.1:${server.address().port}`
const nonce = b64u(generateRandom(24))
const state = b64u(generateRandom(16))
const created = await verifier.createOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: {
    response_type: 'vp_token',
    client_id: clientId,
    response_mode: 'direct_post.jwt',
    response_uri: `${base}/response`,
    nonce,
    state,
    dcql_query: {
      credentials: [
        {
          id: 'pid',
          format: 'dc+sd-jwt',
          meta: { vct_values: [vct] },
          claims: claims.map((c) => ({ path: [c] })),
        },
      ],
    },
    client_metadata: {
      jwks: { keys: [encJwk] },
      encrypted_response_enc_values_supported: ['A128GCM'],
      vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] } },
    },
  },
  jar: {
    requestUri: `${base}/request`,
    jwtSigner: { method: 'did', didUrl: kid, alg: 'EdDSA' },
    expiresInSeconds: 300,
  },
})
const requestJwt = created.jar.authorizationRequestJwt
if (!requestJwt) throw new Error(`no request object in ${Object.keys(created.jar)}`)

const readBody = (req) =>
  new Promise((resolve, reject) => {
    const parts = []
    req.on('data', (c) => parts.push(c))
    req.on('end', () => resolve(Buffer.concat(parts).toString()))
    req.on('error', reject)
  })

server.on('request', async (req, res) => {
  try {
    const path = new URL(req.url, base).pathname
    if (req.method === 'GET' && path === '/request') {
      res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' })
      return res.end(requestJwt)
    }
    if (req.method === 'POST' && path === '/response') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
      const parsed = await verifier.parseOpenid4vpAuthorizationResponse({
        authorizationResponse: form,
        authorizationRequestPayload: created.authorizationRequestPayload,
        callbacks: { decryptJwe: callbacks.decryptJwe, verifyJwt },
      })
      const payload = parsed.authorizationResponsePayload
      if (payload.state !== state) throw new Error('state mismatch')
      const presentation = payload.vp_token.pid[0]
      const issuerKid = JSON.parse(Buffer.from(presentation.split('.')[0], 'base64url').toString()).kid
      const issuerJwk = await didKeyJwk(issuerKid)
      const sdjwt = new SDJwtVcInstance({
        hasher: digest,
        verifier: (data, sig) => verifyWith(issuerJwk, data, sig),
        kbVerifier: async (data, sig, kbPayload) => {
          const decoded = await new SDJwtVcInstance({ hasher: digest }).decode(presentation)
          return verifyWith(decoded.jwt.payload.cnf.jwk, data, sig)
        },
      })
      const verified = await sdjwt.verify(presentation, { keyBindingNonce: nonce })
      const kb = verified.kb?.payload ?? {}
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
      const disclosed = Object.fromEntries(Object.entries(verified.payload).filter(([k]) => !k.startsWith('_') && !['iss', 'iat', 'exp', 'vct', 'cnf', 'status'].includes(k)))
      process.stdout.write(
        `${JSON.stringify({ verified: true, claims: disclosed, kbAud: kb.aud, kbNonceOk: kb.nonce === nonce, encrypted: Boolean(parsed.jarm) })}\n`,
      )
      setTimeout(() => process.exit(0), 50)
      return
    }
    res.writeHead(404)
    res.end()
  } catch (e) {
    process.stderr.write(`${req.method} ${req.url}: ${e?.stack ?? e}\n`)
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'invalid_request', error_description: String(e?.message ?? e) }))
  }
})

process.stdout.write(`${JSON.stringify({ link: created.authorizationRequest, clientId })}\n`)
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
