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
// The verify body is {verifiableCredential, options: <verifier options>}; without options vcnet
// applies its whole policy (accreditation included), so status and proof are named here.
const statusChecks = (process.env.VCNET_STATUS_VERIFY_CHECKS || 'proof,status').split(',');
// VCNET_STATUS_ISSUE_OPTIONS: JSON of the issuer's options (e.g. a `message` credentialStatus ask).
const issueOptions = process.env.VCNET_STATUS_ISSUE_OPTIONS ? JSON.parse(process.env.VCNET_STATUS_ISSUE_OPTIONS) : {};
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vcnet',
    implementation: 'vcnet vcnode',
    issuers: [{
      id: issuerDid,
      endpoint: `${base}/credentials/issue`,
      headers: auth,
      options: issueOptions,
      tags: ['BitstringStatusList', 'Revocation', 'Suspension']
    }],
    verifiers: [{
      id: 'vcnet-verifier',
      endpoint: `${base}/credentials/verify`,
      options: {checks: statusChecks},
      tags: ['BitstringStatusList', 'Revocation', 'Suspension']
    }],
    // listed in the suite's example config but not read by its tests at this snapshot
    vpVerifiers: [{
      id: 'vcnet-vp-verifier',
      endpoint: `${base}/presentations/verify`,
      options: {checks: statusChecks},
      tags: ['BitstringStatusList']
    }]
  }]
};
