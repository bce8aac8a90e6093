//! Puts the git revision the binary was built from into `VCNODE_GIT_REVISION` (for
//! `vcnode --version`): the variable of that name when set (a packager's), else git's HEAD,
//! else "unknown" (a source tarball). Reruns only when HEAD moves, so everyday builds are not
//! slowed.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=VCNODE_GIT_REVISION");
    // A packager building from a source tarball can name the revision itself.
    let given = std::env::var("VCNODE_GIT_REVISION")
        .ok()
        .filter(|s| !s.is_empty());
    let revision = given
        .clone()
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    let date = given
        .is_none()
        .then(|| git(&["show", "-s", "--format=%cs", "HEAD"]))
        .flatten();
    let version = match (revision, date) {
        (Some(r), Some(d)) => format!("{r} {d}"),
        (Some(r), None) => r,
        _ => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=VCNODE_GIT_REVISION={version}");
    // HEAD (a branch switch), the branch's ref (a commit) and packed-refs (where refs go after
    // `git gc`). In a worktree `--git-dir` is the worktree's own folder; refs are in the common
    // one. Only existing files: a missing one would rerun this script at every build.
    let mut watch = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watch.push(PathBuf::from(dir).join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from) {
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watch.push(common.join(head_ref));
        }
        watch.push(common.join("packed-refs"));
    }
    for path in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
