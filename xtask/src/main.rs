//! `cargo xtask`: project automation (ci, bench, dist) written in Rust so it runs the same on
//! every machine. Each subcommand is a thin driver over cargo, npm and the scripts in `tests/`.

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    anyhow::bail!("unknown xtask {task:?}; known: (none yet)")
}
