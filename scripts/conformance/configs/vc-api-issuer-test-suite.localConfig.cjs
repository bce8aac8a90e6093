// Copied into the suite by scripts/conformance/run-all.sh (template: scripts/conformance/configs/).
// Values come from the environment at run time, so no token is stored in this file:
//   VCNET_BASE_URL   e.g. https://127.0.0.1:8443   (no trailing slash)
//   VCNET_TOKEN      the node's admin.token (sent as `Authorization: Bearer …` on admin routes)
//   VCNET_ISSUER_DID the node's DID (vcnet refuses to issue for any other issuer: 422)
//   VCNET_VERIFY_CHECKS  comma list for options.checks on verify calls the suite lets us shape
const base = (process.env.VCNET_BASE_URL || 'https://127.0.0.1:8443').replace(/\/+$/, '');
const token = process.env.VCNET_TOKEN || '';
const issuerDid = process.env.VCNET_ISSUER_DID || 'did:key:ISSUER_DID';
// vc-test-suite-implementations copies an endpoint's `headers` into every request it makes for it
const auth = token ? {Authorization: `Bearer ${token}`} : {};
const checks = (process.env.VCNET_VERIFY_CHECKS || 'proof').split(',').filter(Boolean);
// The first issuer tagged vc-api is used by 10-issuer.js; the one tagged vc-api + JWT by
// 11-issuer-jwt.js (set VCNET_JWT=0 to leave the JWT tests out).
const jwt = process.env.VCNET_JWT !== '0';
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vcnet',
    implementation: 'vcnet vcnode',
    issuers: [{
      id: issuerDid,
      endpoint: `${base}/credentials/issue`,
      headers: auth,
      options: {},
      tags: ['vc-api']
    }, ...(jwt ? [{
      id: issuerDid,
      endpoint: `${base}/credentials/issue`,
      headers: auth,
      options: {format: 'vc+jwt'},
      tags: ['vc-api', 'JWT']
    }] : [])]
  }]
};
