//! `VC1:` QR text: Base45, inflate (bounded), and unpacking back to the credential text.
#![no_main]

use credentials::compact;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = compact::is_compact(text);
    let _ = compact::decode(text);
    let _ = compact::restore(text);
    let _ = compact::base45::decode(text);
});
