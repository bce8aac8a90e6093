// Copied into the suite by scripts/conformance/run-all.sh (template: scripts/conformance/configs/).
// This suite does not use HTTP: for each test it runs
//   docker compose -f ./implementations/compose.yml run --rm vcnet <issue|verify> \
//     --input /tests/input/F --key /tests/input/vm-*.json --feature F [--sd '[paths]'] \
//     --output /tests/output/<n>-vcnet.json
// run-all.sh puts scripts/conformance/jose-cose-adapter first on PATH; its `docker` shim
// runs jose-cose-adapter/vcnet-adapter.sh (vcnode sign / vcnode verify) instead.
// VCNET_JOSE_FEATURES (comma list) overrides which features are claimed.
const all = ['credential_jose', 'presentation_jose', 'credential_sdjwt',
  'presentation_sdjwt', 'credential_cose', 'presentation_cose'];
const on = new Set((process.env.VCNET_JOSE_FEATURES ||
  all.join(',')).split(','));
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'vcnet',
    implementation: 'vcnet vcnode',
    'jose-cose': {
      features: Object.fromEntries(all.map(f => [f, on.has(f)]))
    }
  }]
};
