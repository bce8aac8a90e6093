//! `vcnode records generate`: realistic synthetic residents for load tests and demos, as JSON
//! Lines an issuer imports. Each record is a valid identity subject: a 12-digit personal
//! identification number laid out as the real one (province of birth registration, sex and
//! century, year of birth, six random digits), a Vietnamese name with its diacritics (family,
//! middle and given names drawn with realistic weights), a birth date, residence and origin in
//! one of the 63 provinces, the card's issue date and its expiry at the next of the 25th, 40th
//! and 60th birthdays, a photo digest and the over-18 predicate as of the issue date.
//! Deterministic for a given `--seed`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

/// Records generated at most in one run.
pub const MAX_COUNT: u64 = 200_000_000;

#[derive(Args)]
pub struct GenerateArgs {
    /// Kind of the records (identity).
    #[arg(long, default_value = "identity")]
    kind: String,
    /// How many.
    #[arg(long)]
    count: u64,
    /// Seed of the generator (the same seed gives the same records).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The date the cards are considered issued by, YYYY-MM-DD (default: today).
    #[arg(long)]
    as_of: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Give each resident a holder DID (`id`, a did:key of a key drawn from the seed), as a
    /// registry that enrolled wallets would: needed to issue SD-JWT credentials directly.
    #[arg(long)]
    holders: bool,
}

/// The 63 provinces and their codes (the first three digits of the identification number).
const PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// Family names with their approximate shares (per cent, the rest spread evenly).
const FAMILY: [(&str, u32); 16] = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 3),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 2),
];
const MIDDLE_MALE: [&str; 8] = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Gia"];
const MIDDLE_FEMALE: [&str; 8] = [
    "Thị", "Ngọc", "Thanh", "Minh", "Thu", "Kim", "Phương", "Bảo",
];
const GIVEN_MALE: [&str; 20] = [
    "An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long",
    "Minh", "Nam", "Phúc", "Quân", "Sơn", "Thắng", "Trung", "Tuấn",
];
const GIVEN_FEMALE: [&str; 20] = [
    "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh",
    "Mai", "Nga", "Ngọc", "Nhung", "Phương", "Thảo", "Trang", "Yến",
];
const STREETS: [&str; 12] = [
    "Trần Hưng Đạo",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Nguyễn Huệ",
    "Điện Biên Phủ",
    "Hùng Vương",
    "Phan Đình Phùng",
    "Lê Duẩn",
    "Bạch Đằng",
];
const WARDS: [&str; 8] = [
    "Phường 1",
    "Phường 3",
    "Phường Tân Định",
    "Phường Bến Thành",
    "Phường Hòa Khánh",
    "Xã Đông Hội",
    "Xã Tân Phú",
    "Thị trấn Văn Điển",
];

/// A deterministic generator of identity records.
pub struct Residents {
    rng: ChaCha20Rng,
    as_of: NaiveDate,
    /// Per number prefix (province, sex and century, year): the walk that draws its six-digit
    /// serials, so that no number repeats in a run.
    serials: std::collections::HashMap<String, SerialWalk>,
}

/// Six-digit serials in a random-looking order without repeats: `start + k × step` modulo a
/// million, `step` prime to a million (odd, not a multiple of 5).
struct SerialWalk {
    start: u64,
    step: u64,
    next: u64,
}

impl SerialWalk {
    const SPACE: u64 = 1_000_000;

    fn new(rng: &mut impl Rng) -> Self {
        let mut step = rng.gen_range(1..Self::SPACE);
        while step % 2 == 0 || step % 5 == 0 {
            step = rng.gen_range(1..Self::SPACE);
        }
        Self {
            start: rng.gen_range(0..Self::SPACE),
            step,
            next: 0,
        }
    }

    /// The next serial; `None` once all million are used.
    fn next(&mut self) -> Option<u64> {
        (self.next < Self::SPACE).then(|| {
            let s = (self.start + self.next * self.step) % Self::SPACE;
            self.next += 1;
            s
        })
    }
}

impl Residents {
    /// Records as of `as_of`, from `seed`.
    pub fn new(seed: u64, as_of: NaiveDate) -> Self {
        Self {
            rng: ChaCha20Rng::seed_from_u64(seed),
            as_of,
            serials: std::collections::HashMap::new(),
        }
    }

    fn family(&mut self) -> &'static str {
        let roll = self.rng.gen_range(0..100);
        let mut acc = 0;
        for (name, share) in FAMILY {
            acc += share;
            if roll < acc {
                return name;
            }
        }
        FAMILY[self.rng.gen_range(0..FAMILY.len())].0
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.gen_range(0..from.len())]
    }

    fn address(&mut self, province: &str) -> String {
        let street = self.pick(&STREETS);
        let ward = self.pick(&WARDS);
        format!(
            "Số {} {street}, {ward}, {province}",
            self.rng.gen_range(1..400)
        )
    }

    /// Adds a holder DID (`id`, first) to a record: the did:key of a key drawn from the seed.
    pub fn add_holder(&mut self, record: &mut Value) {
        let mut seed = [0u8; 32];
        self.rng.fill(&mut seed);
        let did = credentials::Identity::from_seed(&seed).did().to_owned();
        if let Value::Object(m) = record {
            let mut with_id = serde_json::Map::new();
            with_id.insert("id".into(), Value::String(did));
            with_id.append(m);
            *m = with_id;
        }
    }

    /// The next record.
    pub fn next_record(&mut self) -> Value {
        let male = self.rng.gen_bool(0.5);
        let (birth_code, birth_province) = self.pick(&PROVINCES);
        let (_, home_province) = if self.rng.gen_bool(0.7) {
            (birth_code, birth_province)
        } else {
            self.pick(&PROVINCES)
        };
        // Ages 14 (the age a card is first issued) to 90 as of `as_of`.
        let age_days = self.rng.gen_range(14 * 365 + 4..90 * 365);
        let born = self.as_of - chrono::Duration::days(age_days);
        // Issued within the last six years, and never before the 14th birthday.
        let fourteenth = add_years(born, 14);
        let earliest = fourteenth.max(self.as_of - chrono::Duration::days(6 * 365));
        let span = (self.as_of - earliest).num_days().max(0);
        let issued = earliest + chrono::Duration::days(self.rng.gen_range(0..=span));
        let expiry = [25, 40, 60]
            .into_iter()
            .map(|a| add_years(born, a))
            .find(|d| *d > issued + chrono::Duration::days(2 * 365))
            .unwrap_or_else(|| add_years(issued, 20));
        // Sex and century digit: 0/1 born 1900–1999, 2/3 born 2000–2099 (male/female).
        let century = if born.year() >= 2000 { 2 } else { 0 };
        let sex_digit = century + u32::from(!male);
        let prefix = format!("{birth_code}{sex_digit}{:02}", born.year() % 100);
        let rng = &mut self.rng;
        let walk = self
            .serials
            .entry(prefix.clone())
            .or_insert_with(|| SerialWalk::new(rng));
        // A prefix holds a million numbers; past that (never, at a country's scale) the
        // serial is drawn at random.
        let serial = walk
            .next()
            .unwrap_or_else(|| self.rng.gen_range(0..SerialWalk::SPACE));
        let id = format!("{prefix}{serial:06}");
        let family = self.family();
        let (middle, given) = if male {
            (self.pick(&MIDDLE_MALE), self.pick(&GIVEN_MALE))
        } else {
            (self.pick(&MIDDLE_FEMALE), self.pick(&GIVEN_FEMALE))
        };
        let mut photo = [0u8; 32];
        self.rng.fill(&mut photo);
        use base64::Engine;
        let residence = self.address(home_province);
        json!({
            "personalIdentificationNumber": id,
            "fullName": format!("{family} {middle} {given}"),
            "dateOfBirth": born.to_string(),
            "sex": if male { "male" } else { "female" },
            "nationality": "VN",
            "placeOfOrigin": format!("{}, {birth_province}", self.pick(&WARDS)),
            "placeOfResidence": residence,
            "dateOfIssue": issued.to_string(),
            "dateOfExpiry": expiry.to_string(),
            "photoDigest": format!("sha256-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(photo)),
            "ageOver18": add_years(born, 18) <= issued,
        })
    }
}

/// `date` moved by `years` (29 February becomes 28 February in a common year).
fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    let y = date.year() + years;
    date.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, date.month(), 28))
        .unwrap_or(date)
}

/// Runs `vcnode records generate`.
pub fn run(a: GenerateArgs) -> anyhow::Result<i32> {
    if a.kind != "identity" {
        anyhow::bail!(
            "--kind {}: records are generated for identity credentials (residents); health and study records are not generated",
            a.kind
        );
    }
    if a.count == 0 || a.count > MAX_COUNT {
        anyhow::bail!("--count must be 1 to {MAX_COUNT}, got {}", a.count);
    }
    let as_of = match &a.as_of {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("--as-of {d}: not a YYYY-MM-DD date"))?,
        None => chrono::Utc::now().date_naive(),
    };
    let out: Box<dyn Write> = match &a.out {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut gen = Residents::new(a.seed, as_of);
    let t0 = std::time::Instant::now();
    for i in 1..=a.count {
        let mut r = gen.next_record();
        if a.holders {
            gen.add_holder(&mut r);
        }
        serde_json::to_writer(&mut out, &r)?;
        out.write_all(b"\n")?;
        if i % 100_000 == 0 && a.out.is_some() {
            let rate = i as f64 / t0.elapsed().as_secs_f64();
            let eta = (a.count - i) as f64 / rate;
            eprint!(
                "\r{i} of {} records, {rate:.0}/s, {eta:.0} s left   ",
                a.count
            );
        }
    }
    out.flush()?;
    if let Some(p) = &a.out {
        eprintln!(
            "\r{} records written to {} in {:.1} s",
            a.count,
            p.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use credentials::CredentialKind;

    #[test]
    fn numbers_never_repeat_within_a_prefix() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut walk = SerialWalk::new(&mut rng);
        let mut seen = std::collections::HashSet::new();
        while let Some(s) = walk.next() {
            assert!(s < SerialWalk::SPACE && seen.insert(s), "{s} repeated");
        }
        assert_eq!(seen.len() as u64, SerialWalk::SPACE);
        // Many residents of one province, sex and year: still no repeat.
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut g = Residents::new(11, as_of);
        let mut ids = std::collections::HashSet::new();
        for _ in 0..50_000 {
            let r = g.next_record();
            let id = r["personalIdentificationNumber"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(ids.insert(id.clone()), "{id} repeated");
        }
    }

    #[test]
    fn every_record_is_a_valid_identity_subject_and_the_seed_repeats() {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut g = Residents::new(7, as_of);
        let mut ids = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let r = g.next_record();
            credentials::schema::validate_subject(CredentialKind::Identity, &r)
                .unwrap_or_else(|v| panic!("{r}: {v:?}"));
            let id = r["personalIdentificationNumber"].as_str().unwrap();
            let born =
                NaiveDate::parse_from_str(r["dateOfBirth"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            let issued =
                NaiveDate::parse_from_str(r["dateOfIssue"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            let expiry =
                NaiveDate::parse_from_str(r["dateOfExpiry"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            assert!(PROVINCES.iter().any(|(c, _)| id.starts_with(c)), "{id}");
            assert_eq!(
                &id[4..6],
                &format!("{:02}", born.year() % 100),
                "{id} {born}"
            );
            let female = r["sex"] == "female";
            let digit = id.as_bytes()[3] - b'0';
            assert_eq!(digit % 2 == 1, female, "{id}");
            assert_eq!(digit >= 2, born.year() >= 2000, "{id}");
            assert!(born < issued && issued <= as_of && issued < expiry, "{r}");
            assert_eq!(r["ageOver18"], json!(add_years(born, 18) <= issued), "{r}");
            assert!(r["fullName"].as_str().unwrap().split(' ').count() == 3);
            ids.insert(id.to_owned());
        }
        assert_eq!(ids.len(), 2_000, "every number is distinct");
        let mut r = g.next_record();
        g.add_holder(&mut r);
        assert!(r["id"].as_str().unwrap().starts_with("did:key:z6Mk"), "{r}");
        credentials::schema::validate_subject(CredentialKind::Identity, &r).unwrap();
        let mut again = Residents::new(7, as_of);
        let mut first = Residents::new(7, as_of);
        assert_eq!(again.next_record(), first.next_record());
        assert_ne!(
            Residents::new(8, as_of).next_record(),
            Residents::new(7, as_of).next_record()
        );
        assert_eq!(
            add_years(NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(), 1),
            NaiveDate::from_ymd_opt(2001, 2, 28).unwrap()
        );
    }
}
