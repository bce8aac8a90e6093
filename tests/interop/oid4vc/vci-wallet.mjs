// An independent OpenID4VCI 1.0 wallet (OpenWallet Foundation oid4vc-ts) against a vcnet
// issuer: `node vci-wallet.mjs OFFER [TX_CODE] [ES256|EdDSA]` resolves the offer, reads the
// issuer's metadata, exchanges the pre-authorized code, gets a c_nonce, signs a key proof with a
// fresh wallet key and receives the credential. It then verifies the SD-JWT VC with sd-jwt-js
// (the issuer's signature by its did:key, the digests, the Token Status List fetched from the
// issuer) and prints one JSON line: {credential, vct, claims, holderJwk}.
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2'
import * as jose from 'jose'
import { didKeyJwk, finish, generateRandom, hash, newKey, signCompact } from './common.mjs'
import { verifySdJwtVc } from './verify.mjs'

/** Receives the credential of `offer` with a fresh `alg` wallet key, in the first offered
 * configuration of `format`; returns it with the key. */
export async function receive(offer, txCode, alg, format = 'dc+sd-jwt') {
  const { privateKey, publicJwk } = await newKey(alg)
  const client = new Openid4vciClient({
    callbacks: {
      fetch,
      hash,
      generateRandom,
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => ({
        jwt: await signCompact(privateKey, header, payload),
        signerJwk: publicJwk,
      }),
    },
  })
  const credentialOffer = await client.resolveCredentialOffer(offer)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode: txCode || undefined,
  })
  const { c_nonce } = await client.requestNonce({ issuerMetadata })
  const configurations = issuerMetadata.credentialIssuer.credential_configurations_supported
  const credentialConfigurationId = credentialOffer.credential_configuration_ids.find(
    (id) => configurations[id]?.format === format,
  )
  if (!credentialConfigurationId) throw new Error(`the offer has no ${format} configuration`)
  const { jwt: proof } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    signer: { method: 'jwk', publicJwk, alg },
    nonce: c_nonce,
  })
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: [proof] },
  })
  const credential = response.credentialResponse.credentials[0].credential
  return { credential, privateKey, publicJwk }
}

async function main() {
  const [offer, txCode, alg = 'ES256', format = 'dc+sd-jwt'] = process.argv.slice(2)
  if (!offer) throw new Error('usage: vci-wallet.mjs OFFER [TX_CODE] [ES256|EdDSA] [dc+sd-jwt|jwt_vc_json]')
  const { credential, publicJwk } = await receive(offer, txCode, alg, format)
  const verified = format === 'jwt_vc_json' ? await verifyJwtVc(credential) : await verifySdJwtVc(credential)
  return { credential, ...verified, holderJwk: publicJwk }
}

/** A VCDM 1.1 JWT: its signature by the issuer's did:key (jose), and its `vc` claim. */
async function verifyJwtVc(jwt) {
  const { kid } = jose.decodeProtectedHeader(jwt)
  const key = await jose.importJWK(await didKeyJwk(kid), 'EdDSA')
  const { payload, protectedHeader } = await jose.jwtVerify(jwt, key, { typ: 'JWT' })
  return { typ: protectedHeader.typ, vc: payload.vc, sub: payload.sub, issuerKid: kid }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  finish(main())
}
