// An independent OpenID4VCI 1.0 issuer (oid4vc-ts's issuer and authorization server helpers,
// sd-jwt-js for the credential) on loopback, for a vcnet holder to receive from:
// `node vci-issuer.mjs RECORD_JSON` serves the metadata, token, nonce and credential endpoints
// and prints one JSON line {offer, txCode, issuer}: a pre-authorized offer of one SD-JWT VC of
// the record, with a transaction code. The credential's `iss` is the issuer's did:key (so a
// verifier resolves its key offline) and its `vct` is vcnet's identity type. It serves until
// stdin closes (the test holds it open).
import http from 'node:http'
import { createPrivateKey, sign } from 'node:crypto'
import { exportJWK } from 'jose'
import { Openid4vciIssuer } from '@openid4vc/openid4vci'
import { Oauth2AuthorizationServer, preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import {
  b64u,
  ed25519DidKey,
  generateRandom,
  hash,
  newKey,
  signCompact,
  verifyJwtCallback,
} from './common.mjs'


const record = JSON.parse(process.argv[2])
const { privateKey, publicJwk } = await newKey('EdDSA')
const { did, kid } = ed25519DidKey(publicJwk)

const signJwt = async (signer, { header, payload }) => ({
  jwt: await signCompact(privateKey, header, payload),
  signerJwk: publicJwk,
})
const verifyJwt = verifyJwtCallback
const callbacks = { hash, generateRandom, signJwt, verifyJwt }
const issuer = new Openid4vciIssuer({ callbacks })
const authorizationServer = new Oauth2AuthorizationServer({ callbacks })

const server = http.createServer()
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const base = `http://127.0.0.1:${server.address().port}`
const configurationId = 'identity_sd_jwt_vc'
const credentialIssuer = issuer.createCredentialIssuerMetadata({
  credential_issuer: base,
  credential_endpoint: `${base}/credential`,
  nonce_endpoint: `${base}/nonce`,
  display: [{ name: 'Independent Test Issuer', locale: 'en' }],
  credential_configurations_supported: {
    [configurationId]: {
      format: 'dc+sd-jwt',
      vct: 'https://vcnet.id/vct/identity/v1',
      cryptographic_binding_methods_supported: ['jwk', 'did:key'],
      credential_signing_alg_values_supported: ['EdDSA'],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
    },
  },
})
const asMetadata = authorizationServer.createAuthorizationServerMetadata({
  issuer: base,
  token_endpoint: `${base}/token`,
  'pre-authorized_grant_anonymous_access_supported': true,
})
const issuerMetadata = {
  originalDraftVersion: 'V1',
  credentialIssuer,
  authorizationServers: [asMetadata],
  // parseCredentialRequest reads the configurations it knows from here.
  knownCredentialConfigurations: issuer.getKnownCredentialConfigurationsSupported(credentialIssuer),
}
const preAuthorizedCode = b64u(generateRandom(16))
const txCode = '493536'
const { credentialOffer } = await issuer.createCredentialOffer({
  issuerMetadata,
  credentialConfigurationIds: [configurationId],
  grants: {
    [preAuthorizedCodeGrantIdentifier]: {
      'pre-authorized_code': preAuthorizedCode,
      tx_code: { input_mode: 'numeric', length: 6 },
    },
  },
})

const nonces = new Set()
const tokens = new Set()
let codeUsed = false

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const parts = []
    req.on('data', (c) => parts.push(c))
    req.on('end', () => resolve(Buffer.concat(parts).toString()))
    req.on('error', reject)
  })
const requestLike = (req) => ({ method: req.method, url: `${base}${req.url}`, headers: new Headers(req.headers) })

server.on('request', async (req, res) => {
  try {
    const path = new URL(req.url, base).pathname
    if (req.method === 'GET' && path === '/.well-known/openid-credential-issuer') return json(res, 200, credentialIssuer)
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') return json(res, 200, asMetadata)
    if (req.method === 'POST' && path === '/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
      const { grant, accessTokenRequest } = authorizationServer.parseAccessTokenRequest({
        request: requestLike(req),
        accessTokenRequest: form,
      })
      await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
        grant,
        accessTokenRequest,
        request: requestLike(req),
        expectedPreAuthorizedCode: codeUsed ? '(used)' : preAuthorizedCode,
        expectedTxCode: txCode,
        authorizationServerMetadata: asMetadata,
      })
      codeUsed = true
      const token = await authorizationServer.createAccessTokenResponse({
        authorizationServer: base,
        audience: base,
        expiresInSeconds: 300,
        signer: { method: 'jwk', publicJwk, alg: 'EdDSA' },
        subject: 'wallet',
      })
      tokens.add(token.access_token)
      return json(res, 200, token)
    }
    if (req.method === 'POST' && path === '/nonce') {
      const c_nonce = b64u(generateRandom(16))
      nonces.add(c_nonce)
      return json(res, 200, issuer.createNonceResponse({ cNonce: c_nonce }))
    }
    if (req.method === 'POST' && path === '/credential') {
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      if (!tokens.delete(bearer)) return json(res, 401, { error: 'invalid_token' })
      const parsed = issuer.parseCredentialRequest({ issuerMetadata, credentialRequest: JSON.parse(await readBody(req)) })
      const proof = parsed.proofs?.jwt?.[0]
      const nonce = JSON.parse(Buffer.from(proof.split('.')[1], 'base64url').toString()).nonce
      if (!nonces.delete(nonce)) return json(res, 400, { error: 'invalid_nonce' })
      const { signer } = await issuer.verifyCredentialRequestJwtProof({ issuerMetadata, jwt: proof, expectedNonce: nonce })
      const claims = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'id'))
      const credential = await issueSdJwtVc(claims, signer.publicJwk)
      return json(res, 200, issuer.createCredentialResponse({ credentials: [{ credential }], credentialRequest: parsed }))
    }
    json(res, 404, { error: 'not_found' })
  } catch (e) {
    process.stderr.write(`${req.method} ${req.url}: ${e?.stack ?? e} ${JSON.stringify(e?.errorResponse ?? e?.zodError ?? '')}\n`)
    const body = e?.errorResponse ?? { error: 'invalid_request', error_description: String(e?.message ?? e) }
    json(res, e?.status ?? 400, body)
  }
})

/** An SD-JWT VC of `claims`, each disclosable, bound to `holderJwk`, signed by this issuer. */
async function issueSdJwtVc(claims, holderJwk) {
  const jwkPrivate = await exportJWK(privateKey)
  const keyObject = createPrivateKey({ key: jwkPrivate, format: 'jwk' })
  const sdjwt = new SDJwtVcInstance({
    signer: async (data) => b64u(sign(null, Buffer.from(data), keyObject)),
    signAlg: 'EdDSA',
    hasher: digest,
    saltGenerator: generateSalt,
  })
  return sdjwt.issue(
    {
      iss: did,
      iat: Math.floor(Date.now() / 1000),
      vct: 'https://vcnet.id/vct/identity/v1',
      cnf: { jwk: holderJwk },
      ...claims,
    },
    { _sd: Object.keys(claims) },
    { header: { typ: 'dc+sd-jwt', kid } },
  )
}

process.stdout.write(`${JSON.stringify({ offer: credentialOffer, txCode, issuer: did })}\n`)
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
