//! `cargo xtask`: project automation (ci, bench, dist, shape checks) written in Rust so it runs the same on
//! every machine. Each subcommand is a thin driver over cargo, npm and the scripts in `tests/`.

mod bench;
mod bench_lsp;
mod cargo;
mod dist;
mod shape;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().cloned().unwrap_or_default();
    match task.as_str() {
        "bench" => bench::bench(&args[1..]),
        "dist" => dist::dist(&args[1..]),
        "bench-lsp" => bench_lsp::bench_lsp(&args[1..]),
        "shape" => shape::shape(&args[1..]),
        _ => anyhow::bail!("unknown xtask {task:?}; known: bench, bench-lsp, dist, shape"),
    }
}
