//! `vcnode`: parses the command line and hands off to `node::cli`.

/// mimalloc instead of the system allocator: verifying a credential builds JSON trees of many
/// small allocations, and mimalloc takes about 3 µs off each SD-JWT or `vc+jwt` verification
/// here (`cargo bench -p credentials` uses it too, so it measures what the node runs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(node::cli::main());
}
