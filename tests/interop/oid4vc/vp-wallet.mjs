// An independent OpenID4VP 1.0 wallet (oid4vc-ts's Openid4vpClient, sd-jwt-js for the
// presentation) answering a vcnet verifier: `node vp-wallet.mjs OFFER TX_CODE REQUEST_LINK
// [ES256|EdDSA]` first receives an SD-JWT VC from the offer (vci-wallet.mjs), then opens the
// request link (fetching the request object and checking its signature by the client_id's
// did:key), discloses the claims the DCQL query names, binds the presentation to the request
// (KB-JWT aud = client_id, nonce) and posts it to the response URI, encrypted (ECDH-ES, the
// request's key, apv = the nonce) when the mode is direct_post.jwt. Prints {disclosed, mode}.
import { webcrypto } from 'node:crypto'
import { Openid4vpClient } from '@openid4vc/openid4vp'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import * as jose from 'jose'
import { b64u, finish, hash, signCompact, verifyJwtCallback } from './common.mjs'
import { receive } from './vci-wallet.mjs'

async function main() {
  const [offer, txCode, link, alg = 'ES256'] = process.argv.slice(2)
  if (!link) throw new Error('usage: vp-wallet.mjs OFFER TX_CODE REQUEST_LINK [ES256|EdDSA]')
  const { credential, privateKey, publicJwk } = await receive(offer, txCode || undefined, alg)
  const callbacks = {
    fetch,
    hash,
    signJwt: async (signer, { header, payload }) => ({
      jwt: await signCompact(privateKey, header, payload),
      signerJwk: publicJwk,
    }),
    verifyJwt: verifyJwtCallback,
    encryptJwe: async (encryptor, data) => {
      const key = await jose.importJWK(encryptor.publicJwk, 'ECDH-ES')
      const enc = new jose.CompactEncrypt(new TextEncoder().encode(data)).setProtectedHeader({
        alg: 'ECDH-ES',
        enc: encryptor.enc,
        kid: encryptor.publicJwk.kid,
      })
      // oid4vc-ts hands the nonce as both apu and apv here; jose (rightly, RFC 7518 §4.6.1)
      // refuses equal ones, so apu is left out when it repeats apv. The verifier reads both
      // from the header, whatever they are.
      const params = {}
      if (encryptor.apu && encryptor.apu !== encryptor.apv) params.apu = Buffer.from(encryptor.apu, 'base64url')
      if (encryptor.apv) params.apv = Buffer.from(encryptor.apv, 'base64url')
      enc.setKeyManagementParameters(params)
      return { jwe: await enc.encrypt(key), encryptionJwk: encryptor.publicJwk }
    },
    decryptJwe: async () => ({ decrypted: false }),
  }
  const client = new Openid4vpClient({ callbacks })
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: link })
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  })
  const request = resolved.authorizationRequestPayload
  if (resolved.client?.prefix !== 'decentralized_identifier') {
    throw new Error(`client prefix ${resolved.client?.prefix}`)
  }
  const query = request.dcql_query.credentials[0]
  const disclose = Object.fromEntries((query.claims ?? []).map((c) => [c.path[0], true]))
  const ed = alg === 'EdDSA'
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    kbSignAlg: alg,
    kbSigner: async (data) =>
      b64u(
        new Uint8Array(
          await webcrypto.subtle.sign(
            ed ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' },
            privateKey,
            new TextEncoder().encode(data),
          ),
        ),
      ),
  })
  const presentation = await sdjwt.present(credential, disclose, {
    kb: { payload: { aud: request.client_id, nonce: request.nonce, iat: Math.floor(Date.now() / 1000) } },
  })
  const encrypted = request.response_mode === 'direct_post.jwt'
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
    ...(encrypted
      ? {
          jarm: {
            encryption: { nonce: request.nonce },
            serverMetadata: {
              authorization_encryption_alg_values_supported: ['ECDH-ES'],
              authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
            },
          },
        }
      : {}),
  })
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    ...(response.jarm ? { jarm: { responseJwt: response.jarm.responseJwt } } : {}),
  })
  if (!submitted.response.ok) {
    throw new Error(`the verifier answered HTTP ${submitted.response.status}: ${await submitted.response.text()}`)
  }
  return { disclosed: Object.keys(disclose), mode: request.response_mode }
}

finish(main())
