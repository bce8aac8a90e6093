//! QR codes: draw a compact presentation or request (PNG, SVG, terminal) and read one back from
//! an image (a photo or screenshot: scaled, slightly rotated, with a margin). Drawing uses the
//! `qrcode` crate, reading uses `rxing` (a port of ZXing, what most phone scanners run).
//!
//! The text is the compact form of [`credentials::compact`] (`VC1:` + Base45), which uses only
//! the QR alphanumeric character set, so the code is made at error correction level M in
//! alphanumeric mode and every scanner returns it as text.

use std::path::Path;

use qrcode::{EcLevel, QrCode, Version};

/// Pixels per module in PNG output (a version 22 code is 113 modules with its quiet zone).
pub const PNG_MODULE_PX: u32 = 6;

/// Why a QR code could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("{chars} characters do not fit in a QR code at error correction level M (at most 40-M, 3,391 alphanumeric characters): {reason}")]
    TooLong { chars: usize, reason: String },
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("{path}: not a readable image: {reason}")]
    Image { path: String, reason: String },
    #[error("no QR code found in {path}")]
    NotFound { path: String },
    #[error("the QR code in {path} is damaged: {reason}")]
    Damaged { path: String, reason: String },
}

/// A QR code with the facts worth reporting.
pub struct Qr {
    code: QrCode,
    /// Characters it holds.
    pub chars: usize,
}

impl Qr {
    /// Encodes `text` at error correction level M in the smallest version that holds it.
    pub fn new(text: &str) -> Result<Self, QrError> {
        let code =
            QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| {
                QrError::TooLong {
                    chars: text.len(),
                    reason: e.to_string(),
                }
            })?;
        Ok(Self {
            code,
            chars: text.len(),
        })
    }

    /// The QR version (1–40).
    pub fn version(&self) -> i16 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        }
    }

    /// Modules per side.
    pub fn width(&self) -> usize {
        self.code.width()
    }

    /// PNG bytes, black on white, with the standard 4-module quiet zone.
    pub fn png(&self) -> Result<Vec<u8>, QrError> {
        let img = self
            .code
            .render::<image::Luma<u8>>()
            .quiet_zone(true)
            .module_dimensions(PNG_MODULE_PX, PNG_MODULE_PX)
            .build();
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| QrError::Image {
                path: "(memory)".into(),
                reason: e.to_string(),
            })?;
        Ok(out.into_inner())
    }

    /// An SVG document.
    pub fn svg(&self) -> String {
        self.code
            .render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(400, 400)
            .build()
    }

    /// Text for a terminal: two modules per character cell (Unicode half blocks), with the
    /// quiet zone, light modules as spaces on the terminal's background.
    pub fn terminal(&self) -> String {
        self.code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build()
    }

    /// Writes PNG or SVG by the file's extension (`.svg`, otherwise PNG).
    pub fn write(&self, path: &Path) -> Result<(), QrError> {
        let svg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes = if svg {
            self.svg().into_bytes()
        } else {
            self.png()?
        };
        std::fs::write(path, bytes).map_err(|e| QrError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }
}

/// True when `bytes` look like an image file (PNG, JPEG, GIF, BMP, WebP) rather than text.
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"GIF8")
        || bytes.starts_with(b"BM")
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

/// Pictures larger than this on their longer side are scaled down before scanning (a QR code
/// in a phone photo stays far above the detector's needs, and the detector's time grows with
/// the pixels).
pub const SCAN_MAX_SIDE: u32 = 1600;

/// Reads the text of the first QR code in an image file's bytes (`path` names it in errors),
/// scaled down first when it is large.
pub fn scan(bytes: &[u8], path: &str) -> Result<String, QrError> {
    let img = image::load_from_memory(bytes).map_err(|e| QrError::Image {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let img = if img.width().max(img.height()) > SCAN_MAX_SIDE {
        img.resize(
            SCAN_MAX_SIDE,
            SCAN_MAX_SIDE,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    };
    scan_luma(&img.to_luma8(), path)
}

/// Reads the first QR code in a greyscale image (ZXing's hybrid binarizer and detector, as
/// ported by `rxing`, trying harder: photos and screenshots, rotated, scaled, uneven contrast).
pub fn scan_luma(img: &image::GrayImage, path: &str) -> Result<String, QrError> {
    let (w, h) = img.dimensions();
    let mut hints = rxing::DecodeHints::default()
        .with(rxing::DecodeHintValue::TryHarder(true))
        .with(rxing::DecodeHintValue::AlsoInverted(true));
    match rxing::helpers::detect_in_luma_with_hints(
        img.as_raw().clone(),
        w,
        h,
        Some(rxing::BarcodeFormat::QR_CODE),
        &mut hints,
    ) {
        Ok(r) => Ok(r.getText().to_owned()),
        Err(rxing::Exceptions::NotFoundException(_)) => Err(QrError::NotFound {
            path: path.to_owned(),
        }),
        Err(e) => Err(QrError::Damaged {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_and_not_found() {
        let text = credentials::compact::encode("eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAEC~").unwrap();
        let qr = Qr::new(&text).unwrap();
        let png = qr.png().unwrap();
        assert!(is_image(&png));
        assert_eq!(scan(&png, "mem").unwrap(), text);
        let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
        assert!(matches!(
            scan_luma(&blank, "blank"),
            Err(QrError::NotFound { .. })
        ));
        assert!(matches!(
            scan(b"\x89PNG not really", "x.png"),
            Err(QrError::Image { .. })
        ));
        assert!(qr.svg().starts_with("<?xml"));
        assert!(qr.terminal().contains('█') || qr.terminal().contains('▀'));
    }
}
