//! Operations metrics, served at `/metrics` in the OpenMetrics text format Prometheus reads:
//! HTTP request latencies per route, verifications by verdict and the checks that failed,
//! issuances by format, status changes by purpose, gossip messages by topic and verdict, and
//! — read at scrape time — connected peers and each issuer's status lists (count, version sum,
//! oldest confirmation). Labels are bounded sets (route templates, check names, issuer DIDs),
//! never claims, codes or credential ids.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FormatLabels {
    format: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    purpose: &'static str,
    change: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GossipLabels {
    topic: String,
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IssuerLabels {
    issuer: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms … about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The node's metrics (one per node, shared by its parts).
pub struct Metrics {
    registry: Registry,
    http: HistogramFamily<HttpLabels>,
    verifications: Family<VerdictLabels, Counter>,
    checks: Family<CheckLabels, Counter>,
    issued: Family<FormatLabels, Counter>,
    status_changes: Family<StatusLabels, Counter>,
    gossip: Family<GossipLabels, Counter>,
    peers: Gauge,
    lists: Family<IssuerLabels, Gauge>,
    list_versions: Family<IssuerLabels, Gauge>,
    list_age: Family<IssuerLabels, Gauge>,
    lists_unconfirmed: Family<IssuerLabels, Gauge>,
    sync_bytes: prometheus_client::metrics::counter::Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric, registered under the `vcnet` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("vcnet");
        let m = Self {
            http: HistogramFamily::new_with_constructor(latency_histogram),
            verifications: Family::default(),
            checks: Family::default(),
            issued: Family::default(),
            status_changes: Family::default(),
            gossip: Family::default(),
            peers: Gauge::default(),
            lists: Family::default(),
            list_versions: Family::default(),
            list_age: Family::default(),
            lists_unconfirmed: Family::default(),
            sync_bytes: Default::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_request_duration_seconds",
            "HTTP requests by method, route template and status, with their latency",
            m.http.clone(),
        );
        registry.register(
            "verifications",
            "Verifications by verdict (valid, invalid, cannot_be_sure)",
            m.verifications.clone(),
        );
        registry.register(
            "verification_checks",
            "Verification checks that did not pass, by check and result (fail, cannot_be_sure)",
            m.checks.clone(),
        );
        registry.register(
            "credentials_issued",
            "Credentials this node issued, by format",
            m.issued.clone(),
        );
        registry.register(
            "status_changes",
            "Changes to this issuer's status lists, by purpose and change (set, clear)",
            m.status_changes.clone(),
        );
        registry.register(
            "gossip_messages",
            "Gossip messages validated, by topic and verdict (accept, ignore, reject)",
            m.gossip.clone(),
        );
        registry.register("peers", "Connected peers", m.peers.clone());
        registry.register(
            "status_lists",
            "Status lists held, by issuer",
            m.lists.clone(),
        );
        registry.register(
            "status_list_version_sum",
            "Sum of the versions of the status lists held, by issuer (grows with each change)",
            m.list_versions.clone(),
        );
        registry.register(
            "status_list_oldest_confirmation_age_seconds",
            "Seconds since the least recently confirmed of an issuer's lists was confirmed current by its issuer",
            m.list_age.clone(),
        );
        registry.register(
            "status_lists_never_confirmed",
            "Status lists held whose issuer never confirmed a version, by issuer (1 if any)",
            m.lists_unconfirmed.clone(),
        );
        registry.register(
            "status_sync_received_bytes",
            "Payload bytes of owner-signed status and trust messages received by syncs",
            m.sync_bytes.clone(),
        );
        Self { registry, ..m }
    }

    /// A sync answer's payload received (`n` bytes of signed messages).
    pub fn sync_received(&self, n: u64) {
        self.sync_bytes.inc_by(n);
    }

    /// Payload bytes received by syncs so far.
    pub fn sync_received_total(&self) -> u64 {
        self.sync_bytes.get()
    }

    /// One HTTP request answered.
    pub fn http(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: status.to_string(),
            })
            .observe(seconds);
    }

    /// One verification's report.
    pub fn verification(&self, report: &credentials::VerificationReport) {
        self.verifications
            .get_or_create(&VerdictLabels {
                verdict: report.verdict.code(),
            })
            .inc();
        for c in &report.checks {
            let Some((result, _)) = c.outcome.problem() else {
                continue;
            };
            self.checks
                .get_or_create(&CheckLabels {
                    check: c.check.as_str(),
                    result,
                })
                .inc();
        }
    }

    /// One credential issued in `format`.
    pub fn issued(&self, format: credentials::Format) {
        self.issued_many(format, 1);
    }

    /// `n` credentials issued in `format` at once (a bulk issuance).
    pub fn issued_many(&self, format: credentials::Format, n: u64) {
        self.issued
            .get_or_create(&FormatLabels {
                format: format.short_name(),
            })
            .inc_by(n);
    }

    /// One change of this issuer's status list.
    pub fn status_change(&self, purpose: credentials::status::StatusPurpose, set: bool) {
        self.status_changes
            .get_or_create(&StatusLabels {
                purpose: purpose.as_str(),
                change: if set { "set" } else { "clear" },
            })
            .inc();
    }

    /// One gossip message validated.
    pub fn gossip(&self, topic: &str, verdict: &'static str) {
        self.gossip
            .get_or_create(&GossipLabels {
                topic: topic.to_owned(),
                verdict,
            })
            .inc();
    }

    /// The scrape-time facts: connected peers and, per issuer, `(issuer, lists, version sum,
    /// oldest confirmation age)` as [`crate::roles::Replicator::per_issuer`] gives them.
    pub fn set_state(&self, peers: usize, per_issuer: &[(String, u64, u64, Option<i64>)]) {
        self.peers.set(peers as i64);
        for f in [
            &self.lists,
            &self.list_versions,
            &self.list_age,
            &self.lists_unconfirmed,
        ] {
            f.clear();
        }
        for (issuer, n, versions, age) in per_issuer {
            let l = IssuerLabels {
                issuer: issuer.clone(),
            };
            self.lists.get_or_create(&l).set(*n as i64);
            self.list_versions.get_or_create(&l).set(*versions as i64);
            match age {
                Some(a) => {
                    self.list_age.get_or_create(&l).set(*a);
                }
                None => {
                    self.lists_unconfirmed.get_or_create(&l).set(1);
                }
            }
        }
    }

    /// Everything, as OpenMetrics text ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_facts_appear_in_the_text() {
        let m = Metrics::new();
        m.http("POST", "/credentials/verify", 200, 0.003);
        m.issued(credentials::Format::SdJwt);
        m.status_change(credentials::status::StatusPurpose::Revocation, true);
        m.gossip("/vcnet/status/1", "reject");
        m.set_state(
            3,
            &[
                ("did:key:z6MkA".into(), 2, 7, Some(12)),
                ("did:key:z6MkB".into(), 1, 0, None),
            ],
        );
        let text = m.encode();
        for want in [
            "vcnet_http_request_duration_seconds_count{method=\"POST\",route=\"/credentials/verify\",status=\"200\"} 1",
            "vcnet_credentials_issued_total{format=\"sd-jwt\"} 1",
            "vcnet_status_changes_total{purpose=\"revocation\",change=\"set\"} 1",
            "vcnet_gossip_messages_total{topic=\"/vcnet/status/1\",verdict=\"reject\"} 1",
            "vcnet_peers 3",
            "vcnet_status_lists{issuer=\"did:key:z6MkA\"} 2",
            "vcnet_status_list_oldest_confirmation_age_seconds{issuer=\"did:key:z6MkA\"} 12",
            "vcnet_status_lists_never_confirmed{issuer=\"did:key:z6MkB\"} 1",
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
        // Scrape-time facts are replaced, not accumulated.
        m.set_state(0, &[]);
        assert!(!m.encode().contains("did:key:z6MkA"));
    }
}
