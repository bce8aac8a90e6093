//! What a packager installs beside the binary: shell completions and man pages, generated
//! from the same clap definitions as the command line itself, so they never drift.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory, ValueEnum};

use super::Cli;

/// Shells `vcnode completions` writes for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell, e.g. `vcnode completions bash > /etc/bash_completion.d/vcnode`.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Args)]
pub struct ManArgs {
    /// Folder to write `vcnode.1` and one page per subcommand (`vcnode-run.1`, …) into;
    /// without it, `vcnode.1` goes to standard output.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Writes the completion script for a shell to standard output.
pub fn completions(a: CompletionsArgs) -> anyhow::Result<i32> {
    use clap_complete::shells;
    let mut cmd = Cli::command();
    // Generated into memory first: clap_complete panics on a failed write (`| head`).
    let mut out = Vec::new();
    match a.shell {
        Shell::Bash => clap_complete::generate(shells::Bash, &mut cmd, "vcnode", &mut out),
        Shell::Zsh => clap_complete::generate(shells::Zsh, &mut cmd, "vcnode", &mut out),
        Shell::Fish => clap_complete::generate(shells::Fish, &mut cmd, "vcnode", &mut out),
        Shell::Elvish => clap_complete::generate(shells::Elvish, &mut cmd, "vcnode", &mut out),
        Shell::Powershell => {
            clap_complete::generate(shells::PowerShell, &mut cmd, "vcnode", &mut out)
        }
    }
    write_stdout(&out)
}

/// Writes to standard output; a reader that stopped early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<i32> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// Writes the man pages (roff).
pub fn man(a: ManArgs) -> anyhow::Result<i32> {
    let cmd = Cli::command();
    match a.out_dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("rendering the man page")?;
            return write_stdout(&out);
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
            let n = std::fs::read_dir(&dir)?
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "1"))
                .count();
            eprintln!("{n} man pages in {}", dir.display());
        }
    }
    Ok(0)
}
