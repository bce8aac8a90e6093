//! `vcnode`: parses the command line and hands off to `node::cli`.

fn main() {
    std::process::exit(node::cli::main());
}
