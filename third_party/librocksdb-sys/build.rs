//! Builds RocksDB's library as a few "unity" translation units.
//!
//! crates.io's librocksdb-sys compiles RocksDB's 343 library sources one by one; each of them
//! parses the same large headers again, and on a 2-core machine that is most of a cold build of
//! vcnet (about 17 of 22 minutes). RocksDB keeps its sources compilable as one translation unit
//! (its Makefile's `unity.cc` target, built in RocksDB's CI); here they are compiled as one
//! unit in debug builds and as [`UNITS_OPTIMISED`] contiguous slices of that list, in parallel,
//! in optimised ones: the same library in a fraction of the time (README.md beside this file
//! has the figures).
//!
//! Compiler flags and defines follow the published build script for Linux, so the library is
//! the one the published crate would build, with LZ4 as its only compression.

use std::{
    env,
    fs::{self, File},
    io::Write,
    path::{Path, PathBuf},
};

/// How many translation units RocksDB's sources are split into, unoptimised (`-O0`, debug
/// builds) and optimised (release). Every unit parses the common headers and instantiates the
/// common templates again (at `-O0`: one unit 122 s of CPU, two 133 s, six 180 s), so a debug
/// build, which has the rest of the workspace to run beside it, uses one; an optimised build
/// spreads the much slower `-O3` work over several cores.
const UNITS_DEBUG: usize = 1;
const UNITS_OPTIMISED: usize = 4;

/// Features of the published crate that this build does not provide.
const REFUSED_FEATURES: &[(&str, &str)] = &[
    ("SNAPPY", "snappy"),
    ("ZSTD", "zstd"),
    ("ZLIB", "zlib"),
    ("BZIP2", "bzip2"),
    ("JEMALLOC", "jemalloc"),
    ("IO_URING", "io-uring"),
    ("LTO", "lto"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let target = env::var("TARGET").expect("TARGET");
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features_env = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let target_features: Vec<&str> = features_env.split(',').collect();

    for (env_name, feature) in REFUSED_FEATURES {
        if env::var_os(format!("CARGO_FEATURE_{env_name}")).is_some() {
            panic!(
                "vcnet's RocksDB build (third_party/librocksdb-sys) does not provide the `{feature}` \
                 feature: it compiles RocksDB with LZ4 only. Remove `{feature}` from the rocksdb \
                 dependency's features, or drop the [patch.crates-io] entry to use crates.io's \
                 librocksdb-sys."
            );
        }
    }
    if !target.contains("linux") {
        panic!(
            "vcnet's RocksDB build (third_party/librocksdb-sys) supports Linux targets only, not \
             {target}; drop the [patch.crates-io] entry in the workspace Cargo.toml to build with \
             crates.io's librocksdb-sys."
        );
    }
    if env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() != Ok("64") {
        panic!("vcnet's RocksDB bindings (src/bindings.rs) were generated for 64-bit targets only");
    }

    let sources_list = manifest_dir.join("rocksdb_lib_sources.txt");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", sources_list.display());
    println!("cargo:rerun-if-changed=build_version.cc");
    println!("cargo:rerun-if-changed=rocksdb");

    let listed = fs::read_to_string(&sources_list).expect("reading rocksdb_lib_sources.txt");
    // The crate carries a generated build_version.cc in its root instead of RocksDB's template.
    let mut sources: Vec<PathBuf> = listed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && *line != "util/build_version.cc")
        .map(|line| manifest_dir.join("rocksdb").join(line))
        .collect();
    sources.push(manifest_dir.join("build_version.cc"));

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .warnings(false)
        .extra_warnings(false)
        .cargo_warnings(false)
        .include(manifest_dir.join("rocksdb/include"))
        .include(manifest_dir.join("rocksdb"))
        .include(&manifest_dir);
    if env::var_os("CARGO_FEATURE_LZ4").is_some() {
        build.define("LZ4", Some("1"));
        if let Some(path) = env::var_os("DEP_LZ4_INCLUDE") {
            build.include(path);
        }
    }
    if env::var_os("CARGO_FEATURE_RTTI").is_some() {
        build.define("USE_RTTI", Some("1"));
    }
    build
        .define("NDEBUG", Some("1"))
        .define("HAVE_ALIGNED_NEW", None)
        .define("HAVE_UINT128_EXTENSION", None)
        .define("OS_LINUX", None)
        .define("ROCKSDB_PLATFORM_POSIX", None)
        .define("ROCKSDB_LIB_IO_POSIX", None)
        .define("ROCKSDB_SCHED_GETCPU_PRESENT", None)
        .define("ROCKSDB_AUXV_GETAUXVAL_PRESENT", None)
        .define("ROCKSDB_FALLOCATE_PRESENT", None)
        .define("ROCKSDB_RANGESYNC_PRESENT", None);
    if let Some(cpu) = rust_target_cpu() {
        match target_arch.as_str() {
            "x86_64" => {
                build.flag_if_supported(format!("-march={cpu}"));
            }
            "aarch64" => {
                build.flag_if_supported(format!("-mcpu={cpu}"));
            }
            _ => {}
        }
    }
    cpu_flags(&mut build, &target_arch, &target_features);
    build
        .flag("-std=c++20")
        .flag("-Wno-unused-parameter")
        .flag("-Wno-unused-variable")
        .flag("-Wno-missing-field-initializers")
        .flag("-Wno-strict-aliasing")
        .flag("-Wno-invalid-offsetof")
        .flag("-include")
        .flag("cstdint");

    let units = match env::var("OPT_LEVEL").as_deref() {
        Ok("0") => UNITS_DEBUG,
        _ => UNITS_OPTIMISED,
    };
    for (n, unit) in split_by_size(&sources, units).iter().enumerate() {
        let path = out_dir.join(format!("rocksdb_unity_{n}.cc"));
        write_unit(&path, unit);
        build.file(path);
    }
    build.compile("rocksdb");

    // As the published crate: lets dependants find the sources and the built archive.
    println!("cargo:cargo_manifest_dir={}", manifest_dir.display());
    println!("cargo:out_dir={}", out_dir.display());
}

/// The `-C target-cpu=` of the Rust build, if any, to compile the C++ for the same CPU.
fn rust_target_cpu() -> Option<String> {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let mut previous_was_c = false;
    for flag in flags.split('\x1f') {
        let codegen = if previous_was_c {
            Some(flag)
        } else {
            flag.strip_prefix("-C")
        };
        previous_was_c = flag == "-C" || flag == "--codegen";
        if let Some(cpu) = codegen.and_then(|c| c.strip_prefix("target-cpu=")) {
            return Some(cpu.to_string());
        }
    }
    None
}

/// The published build script's CPU flags: the instructions RocksDB uses when the Rust target
/// enables them (hardware CRC32C needs SSE 4.2 on x86_64).
fn cpu_flags(build: &mut cc::Build, arch: &str, features: &[&str]) {
    if arch == "x86_64" {
        for (feature, flag) in [
            ("sse2", "-msse2"),
            ("sse4.1", "-msse4.1"),
            ("sse4.2", "-msse4.2"),
            ("avx2", "-mavx2"),
            ("bmi1", "-mbmi"),
            ("lzcnt", "-mlzcnt"),
            ("pclmulqdq", "-mpclmul"),
        ] {
            if features.contains(&feature) {
                build.flag_if_supported(flag);
            }
        }
    } else if arch == "aarch64"
        && features.contains(&"crc")
        && features.contains(&"aes")
        && rust_target_cpu().is_none()
    {
        build.flag_if_supported("-march=armv8-a+crc+aes+crypto");
    }
}

/// Splits `sources` into at most `units` contiguous slices of about equal size in bytes, in
/// the order of the list (RocksDB's unity build includes them in that order).
fn split_by_size(sources: &[PathBuf], units: usize) -> Vec<&[PathBuf]> {
    let sizes: Vec<u64> = sources
        .iter()
        .map(|path| {
            fs::metadata(path)
                .unwrap_or_else(|e| panic!("RocksDB source {} is missing: {e}", path.display()))
                .len()
        })
        .collect();
    let total: u64 = sizes.iter().sum();
    let mut slices = Vec::with_capacity(units);
    let mut start = 0;
    let mut acc = 0;
    for (i, size) in sizes.iter().enumerate() {
        acc += size;
        let boundary = total * (slices.len() as u64 + 1) / units as u64;
        if acc >= boundary && slices.len() + 1 < units {
            slices.push(&sources[start..=i]);
            start = i + 1;
        }
    }
    if start < sources.len() {
        slices.push(&sources[start..]);
    }
    slices
}

/// Writes one translation unit that includes `sources` in order. Rewritten only when its text
/// changes, so an unchanged unit keeps its timestamp.
fn write_unit(path: &Path, sources: &[PathBuf]) {
    let mut text = Vec::new();
    writeln!(text, "// Generated by build.rs: one unity slice of RocksDB's library sources.")
        .expect("writing to memory");
    for source in sources {
        writeln!(text, "#include \"{}\"", source.display()).expect("writing to memory");
    }
    if fs::read(path).ok().as_deref() == Some(text.as_slice()) {
        return;
    }
    File::create(path)
        .and_then(|mut file| file.write_all(&text))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
