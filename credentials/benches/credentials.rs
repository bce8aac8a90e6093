//! Issue and verify throughput per format, against raw Ed25519 on the same run.
//!
//! `cargo bench -p credentials`. Throughput is reported per element (credential). The
//! `verify_batch_all_cores` group uses rayon across every core; everything else is one core.
//!
//! The targets are ratios to raw Ed25519 verification on the same run. On a shared virtual
//! machine the speed of the whole process drifts by ±10% within a minute, and criterion measures
//! the groups one after another, so a ratio of two groups carries that drift. The bench ends
//! with `ratio/…` lines that measure each pair interleaved (raw, then pipeline, round after
//! round) and give the median of the per-round ratios: `cargo bench -p credentials -- ratio`
//! runs only those.

use std::hint::black_box;
use std::time::{Duration, Instant};

use credentials::issue::{issue, CredentialRequest, Format};
use credentials::verify::{MemoryStatus, MemoryTrust};
use credentials::{CredentialKind, Identity, Verifier, VerifyOptions};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::SeedableRng;
use serde_json::Value;

/// The allocator `vcnode` runs with (see `node/src/main.rs`), so the bench measures the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{accredited_issuer, request, t};

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
    opts: VerifyOptions,
    /// The ceiling: a raw Ed25519 key, message and signature.
    raw: (VerifyingKey, Vec<u8>, Signature),
}

impl Fixture {
    /// One raw `verify_strict` of a 64-byte message.
    fn raw_verify(&self) {
        let (vk, msg, sig) = &self.raw;
        vk.verify_strict(black_box(msg), black_box(sig)).unwrap()
    }
}

fn fixture() -> Fixture {
    let (issuer, status, trust) = accredited_issuer();
    let holder = Identity::from_seed(&[2; 32]);
    let sk = SigningKey::from_bytes(&[9; 32]);
    let msg = vec![7u8; 64];
    Fixture {
        status,
        trust,
        req: request(CredentialKind::Identity, identity_subject(), &holder, 94567),
        issuer,
        opts: VerifyOptions::at(t("2026-06-01T00:00:00Z")),
        raw: (sk.verifying_key(), msg.clone(), sk.sign(&msg)),
    }
}

const FORMATS: [Format; 3] = [Format::Jwt, Format::SdJwt, Format::DataIntegrity];

fn bench(c: &mut Criterion) {
    let f = fixture();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let opts = f.opts.clone();
    let verifier = Verifier::new();

    // Raw Ed25519: the ceiling.
    let sk = SigningKey::from_bytes(&[9; 32]);
    let vk = sk.verifying_key();
    let mut g = c.benchmark_group("raw_ed25519");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify", |b| b.iter(|| f.raw_verify()));
    let msgs: Vec<Vec<u8>> = (0..64u8).map(|i| vec![i; 64]).collect();
    let sigs: Vec<_> = msgs.iter().map(|m| sk.sign(m)).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let keys = vec![vk; 64];
    g.throughput(Throughput::Elements(64));
    g.bench_function("verify_batch_64", |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&refs), &sigs, &keys).unwrap())
    });
    g.finish();

    // Where an issuance's time goes: the subject's schema check, the unsigned credential
    // (holder check, schema check of the whole), the signature.
    let mut g = c.benchmark_group("issue_parts");
    g.throughput(Throughput::Elements(1));
    let subject = identity_subject();
    g.bench_function("validate_subject", |b| {
        b.iter(|| {
            credentials::schema::validate_subject(CredentialKind::Identity, black_box(&subject))
        })
    });
    g.bench_function("build_credential", |b| {
        b.iter(|| {
            credentials::issue::build_credential(f.issuer.did(), black_box(&f.req), &mut rng)
                .unwrap()
        })
    });
    let vc = credentials::issue::build_credential(f.issuer.did(), &f.req, &mut rng).unwrap();
    g.bench_function("sign_sd_jwt", |b| {
        b.iter(|| credentials::issue::sign_sd_jwt(black_box(&vc), &f.issuer, &mut rng).unwrap())
    });
    g.bench_function("sign_jwt", |b| {
        b.iter(|| credentials::issue::sign_jwt(black_box(&vc), &f.issuer))
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
    use did_method_key::DIDKey;
    use ssi_claims_core::VerificationParameters;
    use ssi_data_integrity::{suites::EdDsaRdfc2022, DataIntegrity, DataIntegrityDocument};
    use ssi_dids_core::{DIDResolver, VerificationMethodDIDResolver};
    use ssi_verification_methods::Multikey;
    let resolver: VerificationMethodDIDResolver<DIDKey, Multikey> = DIDKey.into_vm_resolver();
    let params = VerificationParameters::from_resolver(&resolver)
        .with_json_ld_loader(credentials::data_integrity::loader().clone())
        .with_date_time(t("2026-06-01T00:00:00Z"));
    let parsed: DataIntegrity<DataIntegrityDocument, EdDsaRdfc2022> =
        serde_json::from_str(text).unwrap();
    parsed.verify(&params).await.unwrap().unwrap();
}

/// Seconds per call of `f`, over calls for about `budget`.
fn time_per_call(budget: Duration, f: &mut dyn FnMut()) -> f64 {
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// The medians of an interleaved measurement: per-item times and the per-round ratio.
struct Interleaved {
    baseline_us: f64,
    subject_us: f64,
    ratio: f64,
    ratio_p10: f64,
    ratio_p90: f64,
}

/// Throughput of `subject` relative to `baseline` (per item; `subject_items` per call),
/// measured in alternating 40 ms slices over 31 rounds.
fn interleaved_ratio(
    subject_items: f64,
    baseline: &mut dyn FnMut(),
    subject: &mut dyn FnMut(),
) -> Interleaved {
    let slice = Duration::from_millis(40);
    time_per_call(slice, baseline);
    time_per_call(slice, subject);
    let (mut b, mut s, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..31 {
        let bt = time_per_call(slice, baseline);
        let st = time_per_call(slice, subject) / subject_items;
        b.push(bt);
        s.push(st);
        r.push(bt / st);
    }
    for v in [&mut b, &mut s, &mut r] {
        v.sort_by(f64::total_cmp);
    }
    Interleaved {
        baseline_us: b[15] * 1e6,
        subject_us: s[15] * 1e6,
        ratio: r[15],
        ratio_p10: r[3],
        ratio_p90: r[27],
    }
}

/// The issue's targets, measured interleaved against raw `verify_strict` (see the module
/// comment).
fn ratios() {
    let f = fixture();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let opts = &f.opts;
    let verifier = Verifier::new();
    let mut raw = || f.raw_verify();
    let mut cred = |fm| issue(fm, &f.issuer, &f.req, &mut rng).unwrap().to_text();
    let jwt = cred(Format::Jwt);
    let sd = cred(Format::SdJwt);
    let batch: Vec<&str> = (0..256).map(|_| jwt.as_str()).collect();
    let mut report = |name: &str, target: f64, items: f64, subject: &mut dyn FnMut()| {
        let m = interleaved_ratio(items, &mut raw, subject);
        println!(
            "ratio/{name:<26} {:>6.1}% of raw verify (p10 {:.1}%, p90 {:.1}%; {:.1} µs vs raw {:.1} µs; target ≥ {:.0}%) {}",
            100.0 * m.ratio,
            100.0 * m.ratio_p10,
            100.0 * m.ratio_p90,
            m.subject_us,
            m.baseline_us,
            100.0 * target,
            if m.ratio >= target { "met" } else { "NOT MET" }
        );
    };
    report("verify jwt", 0.70, 1.0, &mut || {
        black_box(verifier.verify(black_box(&jwt), opts, &f.status, &f.trust));
    });
    report("verify sd-jwt", 0.60, 1.0, &mut || {
        black_box(verifier.verify(black_box(&sd), opts, &f.status, &f.trust));
    });
    report(
        "verify_batch one core jwt",
        1.20,
        batch.len() as f64,
        &mut || {
            black_box(verifier.verify_batch_serial(black_box(&batch), opts, &f.status, &f.trust));
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Criterion's filter is the first argument that is not a flag; run the ratios unless it
    // names something else.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_none_or(|f| "ratio".contains(f.as_str()) || f.contains("ratio")) {
        ratios();
    }
}
