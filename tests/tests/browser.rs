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
