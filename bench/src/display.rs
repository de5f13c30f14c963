//! placeholder
#[derive(clap::Args)]
pub struct DisplayArgs {}
pub fn run(_args: DisplayArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
