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
// vcnet issues over HTTP with the node's Ed25519 key only, so no ECDSA issuer is registered:
// only the verifier tests (15-rdfc-di-verify, 90-algorithms-*) run.
const vcVersions = (process.env.VCNET_VERIFIER_VC_VERSIONS || '1.1,2.0').split(',');
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vcnet',
    implementation: 'vcnet vcnode',
    issuers: [],
    verifiers: [{
      id: 'vcnet-verifier',
      endpoint: `${base}/credentials/verify`,
      options: {checks},
      supportedEcdsaKeyTypes: ['P-256', 'P-384'],
      // endpoints without supports.vc count as VC 1.1 only
      supports: {vc: vcVersions},
      tags: ['ecdsa-rdfc-2019', 'ecdsa-jcs-2019']
    }]
  }]
};
