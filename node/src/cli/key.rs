//! `vcnode key`: create and inspect did:key identities.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use credentials::Identity;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 did:key, write it to a key file (mode 0600) and print the DID.
    Generate {
        /// Where to write the key file; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the DID of a key file.
    Show {
        /// The key file.
        #[arg(long)]
        key: PathBuf,
    },
}

pub fn run(cmd: KeyCommand) -> anyhow::Result<i32> {
    match cmd {
        KeyCommand::Generate { out } => {
            let id = Identity::generate(&mut rand::rngs::OsRng);
            id.save(&out)
                .with_context(|| format!("writing key file {}", out.display()))?;
            println!("{}", id.did());
        }
        KeyCommand::Show { key } => {
            let id = Identity::load(&key)?;
            println!("{}", id.did());
        }
    }
    Ok(0)
}
