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
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vcnet',
    implementation: 'vcnet vcnode',
    issuers: [{
      id: issuerDid,
      endpoint: `${base}/credentials/issue`,
      headers: auth,
      // options.format defaults to di = eddsa-rdfc-2022; vcnet cannot issue eddsa-jcs-2022 over HTTP
      options: {},
      supports: {vc: ['1.1', '2.0']},
      tags: ['eddsa-rdfc-2022']
    }],
    verifiers: [{
      id: 'vcnet-verifier',
      endpoint: `${base}/credentials/verify`,
      // merged into the verify bodies of the data-integrity assertion suites
      options: {checks},
      supports: {vc: ['1.1', '2.0']},
      tags: ['eddsa-rdfc-2022', 'eddsa-jcs-2022']
    }]
  }]
};
