// Verifies an SD-JWT VC with sd-jwt-js: the issuer's signature (its key from the `kid`'s
// did:key), every disclosure's digest, and its status from the issuer's Token Status List
// (fetched over HTTP, its signature checked with the same key). `node verify.mjs FILE` prints
// {vct, claims} or fails with sd-jwt-js's reason (a revoked credential: "Status is not valid").
import { readFileSync } from 'node:fs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest } from '@sd-jwt/crypto-nodejs'
import { didKeyJwk, finish, verifyWith } from './common.mjs'

export async function verifySdJwtVc(credential) {
  const header = JSON.parse(Buffer.from(credential.split('.')[0], 'base64url').toString())
  if (header.typ !== 'dc+sd-jwt') throw new Error(`typ ${header.typ}, dc+sd-jwt expected`)
  const issuerJwk = await didKeyJwk(header.kid)
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: (data, sig) => verifyWith(issuerJwk, data, sig),
  })
  const { payload } = await sdjwt.verify(credential)
  return { vct: payload.vct, claims: payload, issuerKid: header.kid }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  finish(verifySdJwtVc(readFileSync(process.argv[2], 'utf8').trim()))
}
