//! `vcnode records import`: a file of records sent to a running issuer in batches, either for
//! claim codes (`--codes-out`) or issued directly (`--issue-to-file`), with a progress bar.
//!
//! Each batch is one request and one RocksDB batch on the node, and its answer is appended to
//! the output file and synced before the batch counts as done. An interrupted import goes on
//! with `--resume`: the records already in the output file are skipped, and a batch the node
//! committed but whose answer was lost is sent again. The node gives such records their same
//! credential id and status index again (or, for claim codes, a new code in place of the one
//! never written), so nothing is issued twice and no index is lost.

use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use anyhow::{bail, Context};
use clap::Args;
use credentials::{CredentialKind, Format};
use serde_json::Value;

use super::client::Client;
use super::node_cmds::DataDirArg;
use crate::roles::{parse_records, record_id};

/// Records per request by default.
pub const DEFAULT_BATCH: u32 = 2_000;

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// Kind of the records: identity, health or study.
    #[arg(long, value_parser = parse_kind)]
    kind: CredentialKind,
    /// JSON Lines, a JSON document (an object or an array), or CSV with a header row.
    file: PathBuf,
    /// Write the claim codes to this file (mode 0600), one `["record id","code"]` per line,
    /// instead of printing them.
    #[arg(long)]
    codes_out: Option<PathBuf>,
    /// Issue every record's credential now, without claim codes, and write them to this file
    /// (mode 0600): one `{"record","credentialId","credential"}` per line. SD-JWT needs each
    /// record's holder DID in `id`.
    #[arg(long, conflicts_with = "codes_out")]
    issue_to_file: Option<PathBuf>,
    /// The format of directly issued credentials: di, jwt, sd-jwt, cose, or the phone-wallet
    /// formats dc+sd-jwt and jwt_vc_json.
    #[arg(long, default_value = "sd-jwt", value_parser = parse_format, requires = "issue_to_file")]
    format: Format,
    /// Records per request.
    #[arg(long, default_value_t = DEFAULT_BATCH, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    batch: u32,
    /// Requests in flight at once: while one is signed on every core, the next is checked
    /// and committed (three kept both cores busiest in measurements).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=8))]
    parallel: u32,
    /// Also give each record a random transaction code of this many digits (4 to 8), to send
    /// the citizen apart from the letter: a phone wallet's OpenID4VCI token request must carry
    /// it, and the claim code no longer works without it. Written as a third column,
    /// `["record id","code","transaction code"]`.
    #[arg(long, value_parser = clap::value_parser!(u8).range(4..=8), conflicts_with = "issue_to_file")]
    tx_code: Option<u8>,
    /// Go on with an interrupted import: records already in the output file are skipped.
    #[arg(long)]
    resume: bool,
    /// No progress bar (a line per 10% instead).
    #[arg(long)]
    quiet: bool,
}

fn parse_kind(s: &str) -> Result<CredentialKind, String> {
    CredentialKind::parse(s).map_err(|_| format!("`{s}` is not a kind (identity, health, study)"))
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| {
        format!("`{s}` is not a format (di, jwt, sd-jwt, cose, dc+sd-jwt, jwt_vc_json)")
    })
}

/// What the import writes and asks for.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Codes,
    Issue(Format),
}

/// One batch: JSON Lines records and the file line each came from.
struct Batch {
    seq: u64,
    body: Vec<u8>,
    lines: Vec<usize>,
}

/// Runs `vcnode records import`.
pub fn run(a: ImportArgs) -> anyhow::Result<i32> {
    let client = Client::for_data_dir(&a.d.data_dir)?;
    let (out_path, mode) = match (&a.issue_to_file, &a.codes_out) {
        (Some(p), _) => (p.clone(), Mode::Issue(a.format)),
        (None, Some(p)) => (p.clone(), Mode::Codes),
        (None, None) => return import_to_stdout(&client, &a),
    };
    let (mut out, done) = open_output(&out_path, a.resume, mode)?;
    let mut source = Source::open(&a.file, a.kind)?;
    let total = source.total_hint()?.saturating_sub(done.len() as u64);
    let progress = Progress::new(total, a.quiet);
    if !done.is_empty() {
        progress.note(&format!(
            "resuming: {} records already in {}",
            done.len(),
            out_path.display()
        ));
    }
    let path = match mode {
        Mode::Codes => import_path(&a),
        // `dc+sd-jwt`: a `+` in a query would read as a space.
        Mode::Issue(f) => format!(
            "/admin/records/issue?kind={}&format={}",
            a.kind.short_name(),
            super::client::escape(f.short_name())
        ),
    };
    let stop = AtomicBool::new(false);
    let started = std::time::Instant::now();
    let mut written = 0u64;
    let mut claimed_before = 0usize;
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(a.parallel as usize);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let result: anyhow::Result<()> = std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel::<(Batch, anyhow::Result<Vec<u8>>)>();
        for _ in 0..a.parallel {
            let (rx, tx, client, path, stop) = (&batch_rx, done_tx.clone(), &client, &path, &stop);
            // A worker ends only when the reader has ended: after a failure it keeps taking
            // (and dropping) batches, so that the reader is never left blocked on a full queue.
            scope.spawn(move || loop {
                let next = rx
                    .lock()
                    .map_err(|_| ())
                    .and_then(|r| r.recv().map_err(|_| ()));
                let Ok(mut b) = next else { break };
                if stop.load(Ordering::Relaxed) {
                    continue;
                }
                let answer = client.post_raw(path, std::mem::take(&mut b.body), "text/plain");
                if tx.send((b, answer)).is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            });
        }
        drop(done_tx);
        let kind = a.kind;
        let batch_size = a.batch as usize;
        let stop_ref = &stop;
        let done_ref = &done;
        let producer = scope.spawn(move || -> anyhow::Result<()> {
            let mut seq = 0;
            while !stop_ref.load(Ordering::Relaxed) {
                let Some(b) = source.next_batch(batch_size, kind, done_ref, seq)? else {
                    break;
                };
                seq += 1;
                if batch_tx.send(b).is_err() {
                    break;
                }
            }
            Ok(())
        });
        // Answers are written in the order of the file.
        let mut pending: BTreeMap<u64, (Batch, anyhow::Result<Vec<u8>>)> = BTreeMap::new();
        let mut next_seq = 0;
        let mut failure = None;
        for (b, answer) in done_rx {
            pending.insert(b.seq, (b, answer));
            while let Some((b, answer)) = pending.remove(&next_seq) {
                next_seq += 1;
                let step = answer
                    .map_err(|e| in_file_terms(e, &b.lines, &a.file))
                    .and_then(|body| write_answer(&mut out, mode, &body));
                match step {
                    Ok((n, claimed)) => {
                        written += n;
                        claimed_before += claimed;
                        progress.advance(n);
                    }
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        failure.get_or_insert(e);
                    }
                }
            }
            if failure.is_some() {
                break;
            }
        }
        let produced = producer
            .join()
            .map_err(|_| anyhow::anyhow!("the file reader stopped"))?;
        match failure {
            Some(e) => Err(e),
            None => produced,
        }
    });
    progress.finish();
    result.with_context(|| {
        format!(
            "stopped after {written} records (they are in {}); fix the cause and run the same command with --resume",
            out_path.display()
        )
    })?;
    if written == 0 && done.is_empty() {
        bail!(
            "{} holds no records (JSON Lines, a JSON document, or CSV with a header row and rows)",
            a.file.display()
        );
    }
    let secs = started.elapsed().as_secs_f64();
    let what = match mode {
        Mode::Codes => "claim codes".to_owned(),
        Mode::Issue(f) => format!("{} credentials", f.short_name()),
    };
    println!(
        "{written} {what} written to {} in {secs:.1} s ({:.0} records/s){}",
        out_path.display(),
        written as f64 / secs.max(1e-9),
        if done.is_empty() {
            String::new()
        } else {
            format!("; {} were already there", done.len())
        }
    );
    if claimed_before > 0 {
        println!("{claimed_before} records had been claimed already and got no new code");
    }
    Ok(0)
}

/// Without an output file: the whole file in one request, the report printed (small imports).
fn import_to_stdout(client: &Client, a: &ImportArgs) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    let v = client.post_text(&import_path(a), text)?;
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(0)
}

/// The import call: kind, resume, and the transaction code length when asked.
fn import_path(a: &ImportArgs) -> String {
    let mut p = format!(
        "/admin/records/import?kind={}&resume={}",
        a.kind.short_name(),
        a.resume
    );
    if let Some(d) = a.tx_code {
        p.push_str(&format!("&txCode={d}"));
    }
    p
}

/// Appends a batch's answer to the output and syncs it. Returns how many records it holds and
/// how many were skipped as already claimed.
fn write_answer(out: &mut File, mode: Mode, body: &[u8]) -> anyhow::Result<(u64, usize)> {
    let (n, claimed) = match mode {
        // Credentials go out as the node wrote them.
        Mode::Issue(_) => {
            out.write_all(body)?;
            (memchr::memchr_iter(b'\n', body).count(), 0)
        }
        Mode::Codes => {
            let v: Value = serde_json::from_slice(body).context("the node's answer is not JSON")?;
            let codes = v["codes"].as_array().cloned().unwrap_or_default();
            // Transaction codes, by record, become the third column.
            let tx: std::collections::HashMap<&str, &Value> = v["txCodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p.get(0)?.as_str()?, p.get(1)?)))
                .collect();
            let mut bytes = Vec::with_capacity(codes.len() * 56);
            for c in &codes {
                let mut row = c.clone();
                if let (Some(t), Some(items)) = (
                    c.get(0).and_then(Value::as_str).and_then(|r| tx.get(r)),
                    row.as_array_mut(),
                ) {
                    items.push((*t).clone());
                }
                serde_json::to_writer(&mut bytes, &row)?;
                bytes.push(b'\n');
            }
            out.write_all(&bytes)?;
            let claimed = v["alreadyClaimed"].as_array().map_or(0, Vec::len);
            (codes.len(), claimed)
        }
    };
    out.sync_data()?;
    Ok((n as u64, claimed))
}

/// Turns "line N: …" of a batch into the line of the file.
fn in_file_terms(e: anyhow::Error, lines: &[usize], file: &Path) -> anyhow::Error {
    let msg = e.to_string();
    let parsed = msg.strip_prefix("line ").and_then(|rest| {
        let (n, reason) = rest.split_once(": ")?;
        Some((n.parse::<usize>().ok()?, reason.to_owned()))
    });
    match parsed.and_then(|(n, r)| Some((*lines.get(n.checked_sub(1)?)?, r))) {
        Some((line, reason)) => anyhow::anyhow!("{} line {line}: {reason}", file.display()),
        None => e,
    }
}

/// Opens (or creates, mode 0600) the output file. With `resume`, reads the record ids it
/// already holds and cuts a last line left half-written; without, refuses a non-empty file.
fn open_output(path: &Path, resume: bool, mode: Mode) -> anyhow::Result<(File, HashSet<String>)> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let len = f.metadata()?.len();
    let mut done = HashSet::new();
    if len > 0 && !resume {
        bail!(
            "{} is not empty: pass --resume to go on with the import that wrote it, or choose another file",
            path.display()
        );
    }
    if len > 0 {
        let mut text = Vec::with_capacity(len as usize);
        f.read_to_end(&mut text)?;
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        for (i, line) in text[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let v: Value = serde_json::from_slice(line).with_context(|| {
                format!(
                    "{} line {}: not a line this import wrote",
                    path.display(),
                    i + 1
                )
            })?;
            let id = match mode {
                Mode::Issue(_) => v["record"].as_str(),
                Mode::Codes => v[0].as_str(),
            };
            let id =
                id.with_context(|| format!("{} line {}: no record id", path.display(), i + 1))?;
            done.insert(id.to_owned());
        }
        f.set_len(complete as u64)?;
    }
    f.seek(SeekFrom::End(0))?;
    Ok((f, done))
}

/// The records of the input file, read a batch at a time.
enum Source {
    /// One record per line, sent as it is.
    JsonLines {
        lines: std::io::Lines<BufReader<File>>,
        line_no: usize,
        path: PathBuf,
    },
    /// CSV rows, typed by the kind's schema and sent as JSON Lines.
    Csv {
        reader: csv::Reader<BufReader<File>>,
        header: csv::StringRecord,
        path: PathBuf,
    },
    /// One JSON document (an object or an array), already parsed.
    Document {
        records: std::vec::IntoIter<(usize, Value)>,
    },
}

impl Source {
    fn open(path: &Path, kind: CredentialKind) -> anyhow::Result<Self> {
        let open = || -> anyhow::Result<BufReader<File>> {
            Ok(BufReader::with_capacity(
                1 << 20,
                File::open(path).with_context(|| format!("reading {}", path.display()))?,
            ))
        };
        let mut first = String::new();
        for line in open()?.lines() {
            let line = line.with_context(|| format!("reading {}", path.display()))?;
            if !line.trim().is_empty() {
                first = line;
                break;
            }
        }
        let first = first.trim_start();
        if first.starts_with('{') && serde_json::from_str::<Value>(first).is_ok() {
            return Ok(Self::JsonLines {
                lines: open()?.lines(),
                line_no: 0,
                path: path.to_owned(),
            });
        }
        if first.starts_with('{') || first.starts_with('[') {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let records = parse_records(kind, &text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            return Ok(Self::Document {
                records: records.into_iter(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(open()?);
        let header = reader
            .headers()
            .with_context(|| format!("{} line 1: CSV header", path.display()))?
            .clone();
        Ok(Self::Csv {
            reader,
            header,
            path: path.to_owned(),
        })
    }

    /// How many records there are, for the progress bar (lines, for a stream).
    fn total_hint(&self) -> anyhow::Result<u64> {
        let count_lines = |p: &Path| -> anyhow::Result<u64> {
            let mut r = BufReader::with_capacity(1 << 20, File::open(p)?);
            let mut n = 0u64;
            loop {
                let buf = r.fill_buf()?;
                if buf.is_empty() {
                    return Ok(n);
                }
                n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                let len = buf.len();
                r.consume(len);
            }
        };
        Ok(match self {
            Self::JsonLines { path, .. } => count_lines(path)?,
            Self::Csv { path, .. } => count_lines(path)?.saturating_sub(1),
            Self::Document { records } => records.len() as u64,
        })
    }

    /// The next batch of at most `size` records not in `done`, or `None` at the end.
    fn next_batch(
        &mut self,
        size: usize,
        kind: CredentialKind,
        done: &HashSet<String>,
        seq: u64,
    ) -> anyhow::Result<Option<Batch>> {
        let mut body = Vec::new();
        let mut lines = Vec::with_capacity(size);
        fn push(line: usize, json: &[u8], body: &mut Vec<u8>, lines: &mut Vec<usize>) {
            body.extend_from_slice(json);
            body.push(b'\n');
            lines.push(line);
        }
        let skip = |v: &Value| !done.is_empty() && done.contains(&record_id(kind, v));
        while lines.len() < size {
            match self {
                Self::JsonLines {
                    lines: it,
                    line_no,
                    path,
                } => {
                    let Some(line) = it.next() else { break };
                    *line_no += 1;
                    let line = line.with_context(|| format!("reading {}", path.display()))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    if !done.is_empty() {
                        let v: Value = serde_json::from_str(&line).with_context(|| {
                            format!("{} line {line_no}: not a JSON object", path.display())
                        })?;
                        if skip(&v) {
                            continue;
                        }
                    }
                    push(*line_no, line.as_bytes(), &mut body, &mut lines);
                }
                Self::Csv {
                    reader,
                    header,
                    path,
                } => {
                    let mut row = csv::StringRecord::new();
                    let more = reader
                        .read_record(&mut row)
                        .with_context(|| format!("{}: CSV", path.display()))?;
                    if !more {
                        break;
                    }
                    let line = row.position().map_or(0, |p| p.line() as usize);
                    let mut one = csv::Writer::from_writer(Vec::new());
                    one.write_record(header.iter())?;
                    one.write_record(row.iter())?;
                    let text = String::from_utf8(one.into_inner()?)?;
                    let (_, v) = parse_records(kind, &text)
                        .map_err(|e| {
                            anyhow::anyhow!(
                                "{} line {line}: {}",
                                path.display(),
                                e.to_string().trim_start_matches("line 2: ")
                            )
                        })?
                        .into_iter()
                        .next()
                        .with_context(|| format!("{} line {line}: empty row", path.display()))?;
                    if skip(&v) {
                        continue;
                    }
                    push(
                        line,
                        serde_json::to_string(&v)?.as_bytes(),
                        &mut body,
                        &mut lines,
                    );
                }
                Self::Document { records } => {
                    let Some((line, v)) = records.next() else {
                        break;
                    };
                    if skip(&v) {
                        continue;
                    }
                    push(
                        line,
                        serde_json::to_string(&v)?.as_bytes(),
                        &mut body,
                        &mut lines,
                    );
                }
            }
        }
        Ok((!lines.is_empty()).then_some(Batch { seq, body, lines }))
    }
}

/// A progress bar on a terminal (records/s and time left), a line per 10% otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    count: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{wide_bar} {human_pos}/{human_len} records  {per_sec}  {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Self {
            bar,
            total,
            count: Default::default(),
            started: std::time::Instant::now(),
        }
    }

    fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    fn advance(&self, n: u64) {
        let before = self.count.fetch_add(n, Ordering::Relaxed);
        let now = before + n;
        match &self.bar {
            Some(b) => b.inc(n),
            None => {
                let step = (self.total / 10).max(1);
                if before / step != now / step {
                    let rate = now as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
                    let left = self.total.saturating_sub(now) as f64 / rate.max(1e-9);
                    eprintln!(
                        "{now} of {} records, {rate:.0}/s, {left:.0} s left",
                        self.total
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[derive(Args)]
pub struct OfferArgs {
    #[command(flatten)]
    d: DataDirArg,
    /// The claim code.
    code: String,
    /// Also draw the link as a QR code in the terminal.
    #[arg(long)]
    qr: bool,
}

/// `vcnode records offer CODE`: the code's OpenID4VCI offer link.
pub fn offer(a: OfferArgs) -> anyhow::Result<i32> {
    let v = Client::for_data_dir(&a.d.data_dir)?
        .post("/admin/oid4vci/offer", &serde_json::json!({"code": a.code}))?;
    let link = v["offer"].as_str().unwrap_or_default();
    println!("{link}");
    if a.qr {
        println!("{}", crate::qr::Qr::new(link)?.terminal());
    }
    Ok(0)
}
