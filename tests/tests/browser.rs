//! The node's pages in a real browser (issue 16, item 7): Debian's Chromium, driven through
//! chromedriver, with its fake camera playing a video made from a real wallet QR code. The
//! desk scans it and shows VALID; after revocation the same QR shows REFUSED; a picture of the
//! code chosen from disk is read too. Screenshots go to `$CARGO_TARGET_TMPDIR/browser/`.

use credentials::status::StatusPurpose;
use credentials::CredentialKind;
use std::time::Duration;
use vcnet_tests::webdriver::{y4m_of, Browser};
use vcnet_tests::{citizen_holds_identity, list_version, network, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_desk_scans_a_wallet_qr_through_the_camera() {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let net = network().await;
    let (_, entry, _, lists) = citizen_holds_identity(&net).await;
    let shown = net
        .citizen
        .node
        .present_qr(node::roles::wallet::QrAsk {
            kinds: vec![CredentialKind::Identity],
            claims: vec!["fullName".into(), "dateOfBirth".into(), "ageOver18".into()],
            verifier: None,
            valid_for: 600,
            request: None,
            no_staple: false,
            credential_id: None,
        })
        .await
        .unwrap();
    let png = node::qr::Qr::new(&shown.compact).unwrap().png().unwrap();
    let png_path = out.join("wallet-qr.png");
    std::fs::write(&png_path, &png).unwrap();
    let video = out.join("wallet-qr.y4m");
    let luma = image::load_from_memory(&png).unwrap().to_luma8();
    y4m_of(&luma, &video, 5).unwrap();

    let desk = format!("http://{}/desk", net.clinic.http);
    let args = vec![
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
        "--lang=en-US".to_owned(),
    ];
    // WebDriver calls block: off the runtime's threads.
    let browser = tokio::task::spawn_blocking(move || {
        let b = Browser::start(&args).unwrap_or_else(|e| panic!("{e}"));
        b.goto(&desk).unwrap();
        b
    })
    .await
    .unwrap();
    let out2 = out.clone();
    let browser = tokio::task::spawn_blocking(move || {
        let b = browser;
        b.screenshot(&out2.join("desk.png")).unwrap();
        // Asking for claims shows the desk's signed request as a QR code.
        b.click("#ask-claims input[value=fullName]").unwrap();
        b.click("#ask-show").unwrap();
        let note = b
            .wait_text("#ask-note", Duration::from_secs(10), |t| !t.is_empty())
            .unwrap();
        assert!(note.contains("scan their answer"), "{note}");
        b.screenshot(&out2.join("desk-request.png")).unwrap();
        b.click("#ask-cancel").unwrap();
        b.click("#camera-start").unwrap();
        let word = verdict(&b, &out2.join("desk-camera-timeout.png"));
        assert_eq!(word, "VALID");
        let issuer = b.text("#verdict-issuer").unwrap();
        assert!(issuer.contains("National Identity Agency"), "{issuer}");
        let claims = b.text("#claims").unwrap();
        assert!(claims.contains("Date of birth"), "{claims}");
        b.screenshot(&out2.join("desk-valid.png")).unwrap();
        b.click("#next").unwrap();
        assert_eq!(
            b.text("#verdict-word").unwrap(),
            "",
            "nothing kept after the next scan"
        );
        b
    })
    .await
    .unwrap();

    net.agency
        .node
        .change_status(&entry.id, StatusPurpose::Revocation, true)
        .await
        .unwrap();
    wait_until("the clinic holds the revocation", || {
        list_version(&net.clinic.node, &lists[0]).is_some_and(|v| v >= 1)
    })
    .await;
    let out3 = out.clone();
    tokio::task::spawn_blocking(move || {
        let b = browser;
        b.click("#camera-start").unwrap();
        let word = verdict(&b, &out3.join("desk-camera-timeout.png"));
        assert_eq!(word, "REFUSED");
        let problems = b.text("#problems").unwrap();
        assert!(
            problems.contains("Revoked by National Identity Agency"),
            "{problems}"
        );
        b.screenshot(&out3.join("desk-refused.png")).unwrap();
        // A picture chosen from disk: the same verdict.
        b.click("#next").unwrap();
        b.type_into("#file", &png_path.display().to_string())
            .unwrap();
        let word = b
            .wait_text("#verdict-word", Duration::from_secs(30), |t| !t.is_empty())
            .unwrap();
        assert_eq!(word, "REFUSED");
    })
    .await
    .unwrap();
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

/// The desk asks a phone wallet (OpenID4VP): it shows the request as a QR code and a link; the
/// citizen's node answers it as a wallet would from that link, and the desk shows the verdict
/// with only the asked claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_desk_asks_a_phone_wallet_and_shows_its_answer() {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let net = network().await;
    let (agency, citizen) = (&net.agency.node, &net.citizen.node);
    let offer = vcnet_tests::first_offer(&net);
    let held = citizen.receive_offer(&offer, None).await.unwrap();
    let issued = agency.issued(&held.id).unwrap().unwrap();
    vcnet_tests::clinic_holds_lists_of(&net, &issued).await;
    let desk = format!("http://{}/desk", net.clinic.http);
    let args = vec!["--lang=en-US".to_owned()];
    let out2 = out.clone();
    let (browser, link) = tokio::task::spawn_blocking(move || {
        let b = Browser::start(&args).unwrap_or_else(|e| panic!("{e}"));
        b.goto(&desk).unwrap();
        b.click("#ask-claims input[value=fullName]").unwrap();
        b.click("#ask-wallet").unwrap();
        let shown = b
            .wait_text("#ask-link", Duration::from_secs(10), |t| !t.is_empty())
            .unwrap();
        assert_eq!(shown, "Open the wallet on this device");
        b.screenshot(&out2.join("desk-oid4vp-request.png")).unwrap();
        let link = b.property("#ask-link", "href").unwrap();
        (b, link)
    })
    .await
    .unwrap();
    assert!(link.starts_with("openid4vp://?client_id="), "{link}");
    citizen.present_oid4vp(&link).await.unwrap();
    let out3 = out.clone();
    tokio::task::spawn_blocking(move || {
        let b = browser;
        let word = verdict(&b, &out3.join("desk-oid4vp-timeout.png"));
        assert_eq!(word, "VALID");
        let claims = b.text("#claims").unwrap();
        assert!(claims.contains("Nguyễn Văn An"), "{claims}");
        assert!(
            !claims.contains("Date of birth"),
            "only the asked claim: {claims}"
        );
        b.screenshot(&out3.join("desk-oid4vp-valid.png")).unwrap();
    })
    .await
    .unwrap();
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}

/// The verdict word the desk shows within a minute, or a panic saying what the page shows
/// instead (its error line and camera state), with a screenshot at `shot`.
fn verdict(b: &Browser, shot: &std::path::Path) -> String {
    match b.wait_text("#verdict-word", Duration::from_secs(60), |t| !t.is_empty()) {
        Ok(w) => w,
        Err(e) => {
            let _ = b.screenshot(shot);
            panic!(
                "{e}; the page says {:?} / {:?} (screenshot {})",
                b.text("#error").unwrap_or_default(),
                b.text("#camera-state").unwrap_or_default(),
                shot.display()
            );
        }
    }
}

/// The wallet and the console in a browser: the agency's operator signs in to the console,
/// imports records and prints the claim letters; the citizen opens the wallet with the
/// passphrase, claims with the letter's code, approves a clinic's request and shows a QR code,
/// which the desk accepts from a screenshot of the wallet; the operator revokes it with a
/// reason, and the same screenshot is refused; the root authority's console lists the
/// agency's accreditation and withdraws it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wallet_and_the_console_work_in_a_browser() {
    use node::config::Consent;
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let net = vcnet_tests::network_with(|c| c.consent = Consent::Ask).await;
    let token = |i: usize| {
        std::fs::read_to_string(net.dirs[i].path().join("admin.token"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (root_token, agency_token) = (token(0), token(1));
    let records = out.join("records.jsonl");
    let all = vcnet_tests::first_record();
    let three: Vec<&str> = all.lines().take(3).collect();
    std::fs::write(&records, three.join("\n")).unwrap();
    let console = format!("http://{}/console", net.agency.http);
    let wallet = format!("http://{}/wallet", net.citizen.http);
    let desk = format!("http://{}/desk", net.clinic.http);
    let args = vec!["--lang=en-US".to_owned()];

    // The operator imports the records and prints the letters.
    let (o, c, a) = (out.clone(), console.clone(), agency_token.clone());
    let (browser, letter) = tokio::task::spawn_blocking(move || {
        let b = Browser::start(&args).unwrap_or_else(|e| panic!("{e}"));
        b.window(1280, 900).unwrap();
        b.goto(&c).unwrap();
        b.sign_in(&a).unwrap();
        let who = b
            .wait_text("#who", Duration::from_secs(20), |t| !t.is_empty())
            .unwrap();
        assert!(who.contains("National Identity Agency"), "{who}");
        b.type_into("#import-file", &records.display().to_string())
            .unwrap();
        b.click("#import-go").unwrap();
        let state = b
            .wait_text("#import-state", Duration::from_secs(30), |t| {
                t.contains("imported")
            })
            .unwrap();
        assert!(state.starts_with("3 records"), "{state}");
        b.screenshot(&o.join("console.png")).unwrap();
        b.click("#codes-print").unwrap();
        let letter = b
            .wait_text(".letter .mono", Duration::from_secs(20), |t| {
                t.starts_with("VCCLAIM:")
            })
            .unwrap();
        b.screenshot(&o.join("console-letter.png")).unwrap();
        (b, letter)
    })
    .await
    .unwrap();
    assert!(letter.contains(&net.agency.node.net.local_peer_id().to_string()));

    // The citizen opens the wallet, claims with the letter, answers a clinic's request.
    let (o, w) = (out.clone(), wallet.clone());
    let browser = tokio::task::spawn_blocking(move || {
        let b = browser;
        b.window(430, 932).unwrap();
        b.goto(&w).unwrap();
        let label = b.text("label[for=token]").unwrap();
        assert_eq!(label, "Wallet passphrase");
        b.sign_in(vcnet_tests::PASSPHRASE).unwrap();
        b.wait_text("#claim-h", Duration::from_secs(20), |t| {
            t == "Get a credential"
        })
        .unwrap();
        // A photo of the printed letter: the node reads its QR code into the claim form.
        b.type_into(
            "#claim-photo",
            &o.join("console-letter.png").display().to_string(),
        )
        .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while b.value("#claim-code").unwrap().is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the letter was not read: {:?}",
                b.text("#error")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(
            letter.ends_with(&b.value("#claim-code").unwrap()),
            "{letter}"
        );
        assert!(letter.contains(&b.value("#claim-issuer").unwrap()));
        b.click("#claim-go").unwrap();
        let note = b
            .wait_text("#note", Duration::from_secs(30), |t| !t.is_empty())
            .unwrap_or_else(|e| panic!("{e}: {:?}", b.text("#error")));
        assert_eq!(note, "Added to your wallet: Identity card");
        b.wait_text("#cards .badge", Duration::from_secs(30), |t| t == "Valid")
            .unwrap();
        b.screenshot(&o.join("wallet.png")).unwrap();
        b
    })
    .await
    .unwrap();
    let citizen_peer = net.citizen.node.net.local_peer_id();
    let clinic = net.clinic.node.clone();
    let asked = tokio::spawn(async move {
        clinic
            .request_presentation(
                citizen_peer,
                vec![CredentialKind::Identity],
                vec!["fullName".into()],
            )
            .await
    });
    let o = out.clone();
    let browser = tokio::task::spawn_blocking(move || {
        let b = browser;
        let req = b
            .wait_text("#request-list", Duration::from_secs(30), |t| {
                t.contains("Full name")
            })
            .unwrap();
        assert!(req.contains("asks for Identity card"), "{req}");
        b.screenshot(&o.join("wallet-request.png")).unwrap();
        b.click("#request-list button").unwrap();
        b
    })
    .await
    .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), asked)
        .await
        .expect("the clinic's request is answered")
        .unwrap()
        .expect("the approved presentation verifies");
    assert!(report.valid, "{report:?}");

    // The wallet shows a QR code; the desk reads it from a screenshot of the wallet.
    let shot = out.join("wallet-qr.png");
    let (s, d) = (shot.clone(), desk.clone());
    let browser = tokio::task::spawn_blocking(move || {
        let b = browser;
        // A phone's screen has three device pixels to a CSS pixel; the screenshot has one.
        b.window(900, 1000).unwrap();
        b.click("#cards button").unwrap();
        b.click("#present-claims input[value=fullName]").unwrap();
        b.click("#present-claims input[value=dateOfBirth]").unwrap();
        b.click("#present-show").unwrap();
        b.wait_text("#qr-countdown", Duration::from_secs(20), |t| {
            t.starts_with("Valid for 4:")
        })
        .unwrap_or_else(|e| panic!("{e}: {:?}", b.text("#error")));
        b.screenshot(&s).unwrap();
        b.goto(&d).unwrap();
        b.type_into("#file", &s.display().to_string()).unwrap();
        let word = b
            .wait_text("#verdict-word", Duration::from_secs(30), |t| !t.is_empty())
            .unwrap();
        assert_eq!(word, "VALID", "{:?}", b.text("#problems"));
        assert!(b.text("#claims").unwrap().contains("Date of birth"));
        b
    })
    .await
    .unwrap();

    // The operator revokes it with a reason; the desk then refuses the same picture.
    let entry = net.citizen.node.wallet_items().unwrap().remove(0);
    let issued = net.agency.node.issued(&entry.id).unwrap().unwrap();
    let list = format!("{}/revocation/{}", issued.list_base, issued.shard);
    let (o, c, a) = (out.clone(), console.clone(), agency_token.clone());
    let record = issued.record_id.clone().unwrap();
    let browser = tokio::task::spawn_blocking(move || {
        let b = browser;
        b.window(1280, 900).unwrap();
        b.goto(&c).unwrap();
        // Nodes on one host share its cookies: the wallet's sign-in replaced the console's.
        b.sign_in(&a).unwrap();
        b.wait_text("#who", Duration::from_secs(20), |t| !t.is_empty())
            .unwrap();
        b.type_into("#search-q", &record).unwrap();
        b.click("#search button[type=submit]").unwrap();
        b.wait_text("#issued-note", Duration::from_secs(20), |t| t == "1 found")
            .unwrap();
        b.type_into("#issued-table tbody input.reason", "card reported stolen")
            .unwrap();
        b.click("#issued-table tbody button[data-action=revoke]")
            .unwrap();
        let st = b
            .wait_text("#issued-table tbody .badge", Duration::from_secs(20), |t| {
                t == "Revoked"
            })
            .unwrap_or_else(|e| panic!("{e}: {:?}", b.text("#error")));
        assert_eq!(st, "Revoked");
        assert!(b
            .text("#issued-table tbody .why")
            .unwrap()
            .contains("card reported stolen"));
        // The lists (opened by the claim) and the peers that hold them.
        b.click("#lists-refresh").unwrap();
        let lists = b
            .wait_text("#lists-table tbody", Duration::from_secs(20), |t| {
                t.contains("revocation") && t.contains("current")
            })
            .unwrap();
        assert!(lists.contains("suspension"), "{lists}");
        let asked = b.text("#lists-note").unwrap();
        assert!(
            asked.ends_with("connected peers answered.") && !asked.starts_with("0 of"),
            "{asked}"
        );
        b.screenshot(&o.join("console-revoked.png")).unwrap();
        b
    })
    .await
    .unwrap();
    let changes = net.agency.node.issued(&entry.id).unwrap().unwrap();
    assert_eq!(changes.status_changes.len(), 1);
    assert_eq!(changes.status_changes[0].reason, "card reported stolen");
    wait_until("the clinic holds the revocation", || {
        list_version(&net.clinic.node, &list).is_some_and(|v| v >= 1)
    })
    .await;
    let (s, d, r) = (
        shot.clone(),
        desk.clone(),
        format!("http://{}/console", net.root.http),
    );
    tokio::task::spawn_blocking(move || {
        let b = browser;
        b.window(430, 932).unwrap();
        b.goto(&d).unwrap();
        b.type_into("#file", &s.display().to_string()).unwrap();
        let word = b
            .wait_text("#verdict-word", Duration::from_secs(30), |t| !t.is_empty())
            .unwrap();
        assert_eq!(word, "REFUSED");
        // The root authority's console: the accreditation, then its withdrawal.
        b.window(1280, 900).unwrap();
        b.goto(&r).unwrap();
        b.sign_in(&root_token).unwrap();
        let table = b
            .wait_text("#accredit-table tbody", Duration::from_secs(20), |t| {
                t.contains("National Identity Agency")
            })
            .unwrap();
        assert!(table.contains("In force"), "{table}");
        b.click("#accredit-table tbody button").unwrap();
        b.wait_text("#accredit-table tbody", Duration::from_secs(20), |t| {
            t.contains("Withdrawn")
        })
        .unwrap_or_else(|e| panic!("{e}: {:?}", b.text("#error")));
    })
    .await
    .unwrap();
    for n in [net.clinic, net.citizen, net.agency, net.root] {
        n.stop().await;
    }
}
