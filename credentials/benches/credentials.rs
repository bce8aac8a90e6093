//! Issue and verify throughput per format, against raw Ed25519 on the same run.
//!
//! `cargo bench -p credentials`. Throughput is reported per element (credential). The
//! `verify_batch_all_cores` group uses rayon across every core; everything else is one core.

use std::hint::black_box;

use credentials::issue::{issue, CredentialRequest, Format};
use credentials::verify::{MemoryStatus, MemoryTrust};
use credentials::{CredentialKind, Identity, Verifier, VerifyOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signer, SigningKey};
use rand::SeedableRng;
use serde_json::Value;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{request, status_lists, t, trust_all_kinds};

fn identity_subject() -> Value {
    let p = format!(
        "{}/../schemas/records/citizens.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(std::fs::read_to_string(p).unwrap().lines().next().unwrap()).unwrap()
}

struct Fixture {
    issuer: Identity,
    status: MemoryStatus,
    trust: MemoryTrust,
    req: CredentialRequest,
}

fn fixture() -> Fixture {
    let issuer = Identity::from_seed(&[1; 32]);
    let holder = Identity::from_seed(&[2; 32]);
    Fixture {
        status: status_lists(&issuer),
        trust: trust_all_kinds(&issuer),
        req: request(CredentialKind::Identity, identity_subject(), &holder, 94567),
        issuer,
    }
}

const FORMATS: [Format; 3] = [Format::Jwt, Format::SdJwt, Format::DataIntegrity];

fn bench(c: &mut Criterion) {
    let f = fixture();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let opts = VerifyOptions::at(t("2026-06-01T00:00:00Z"));
    let verifier = Verifier::new();

    // Raw Ed25519: the ceiling.
    let sk = SigningKey::from_bytes(&[9; 32]);
    let vk = sk.verifying_key();
    let msg = vec![7u8; 64];
    let sig = sk.sign(&msg);
    let mut g = c.benchmark_group("raw_ed25519");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify", |b| {
        b.iter(|| vk.verify_strict(black_box(&msg), black_box(&sig)).unwrap())
    });
    let msgs: Vec<Vec<u8>> = (0..64u8).map(|i| vec![i; 64]).collect();
    let sigs: Vec<_> = msgs.iter().map(|m| sk.sign(m)).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let keys = vec![vk; 64];
    g.throughput(Throughput::Elements(64));
    g.bench_function("verify_batch_64", |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&refs), &sigs, &keys).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("issue");
    g.throughput(Throughput::Elements(1));
    for format in FORMATS {
        g.bench_function(BenchmarkId::from_parameter(format.short_name()), |b| {
            b.iter(|| issue(format, &f.issuer, black_box(&f.req), &mut rng).unwrap())
        });
    }
    g.finish();

    let creds: Vec<(Format, String)> = FORMATS
        .iter()
        .map(|&fm| {
            (
                fm,
                issue(fm, &f.issuer, &f.req, &mut rng).unwrap().to_text(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    for (format, cred) in &creds {
        let r = verifier.verify(cred, &opts, &f.status, &f.trust);
        assert!(r.valid, "{r}");
        g.bench_function(BenchmarkId::from_parameter(format.short_name()), |b| {
            b.iter(|| verifier.verify(black_box(cred), &opts, &f.status, &f.trust))
        });
    }
    g.finish();

    // Plain ssi verification of the same Data Integrity credential, for comparison.
    let di = &creds
        .iter()
        .find(|(fm, _)| *fm == Format::DataIntegrity)
        .unwrap()
        .1;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("ssi_plain");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify_di", |b| {
        b.iter(|| rt.block_on(ssi_verify(black_box(di))))
    });
    g.finish();

    for (format, cred) in &creds {
        let batch: Vec<&str> = (0..256).map(|_| cred.as_str()).collect();
        let mut g = c.benchmark_group("verify_batch_one_core");
        g.throughput(Throughput::Elements(batch.len() as u64));
        g.sample_size(10);
        g.bench_function(BenchmarkId::from_parameter(format.short_name()), |b| {
            b.iter(|| verifier.verify_batch_serial(black_box(&batch), &opts, &f.status, &f.trust))
        });
        g.finish();
        let mut g = c.benchmark_group("verify_batch_all_cores");
        g.throughput(Throughput::Elements(batch.len() as u64));
        g.sample_size(10);
        g.bench_function(BenchmarkId::from_parameter(format.short_name()), |b| {
            b.iter(|| verifier.verify_batch(black_box(&batch), &opts, &f.status, &f.trust))
        });
        g.finish();
    }
}

async fn ssi_verify(text: &str) {
    use ssi::claims::data_integrity::{
        suites::EdDsaRdfc2022, DataIntegrity, DataIntegrityDocument,
    };
    use ssi::claims::VerificationParameters;
    use ssi::dids::{DIDKey, DIDResolver, VerificationMethodDIDResolver};
    use ssi::verification_methods::Multikey;
    let resolver: VerificationMethodDIDResolver<DIDKey, Multikey> = DIDKey.into_vm_resolver();
    let params = VerificationParameters::from_resolver(&resolver)
        .with_json_ld_loader(credentials::data_integrity::loader().clone())
        .with_date_time(t("2026-06-01T00:00:00Z"));
    let parsed: DataIntegrity<DataIntegrityDocument, EdDsaRdfc2022> =
        serde_json::from_str(text).unwrap();
    parsed.verify(&params).await.unwrap().unwrap();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
