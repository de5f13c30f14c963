//! `cargo xtask dist`: builds the release `void-ls` server and a platform `.vsix` of the VS Code
//! extension that bundles it (`server/void-ls` inside the extension, found by its discovery
//! step 3). The `.vsix` lands in `<target dir>/dist/` unless `--out DIR` says otherwise; its path
//! is the only thing printed on stdout.
//!
//! It drives cargo, npm and vsce; it must not change tracked files (the copied binary, grammars
//! and bundle live in git-ignored folders of `vscode-extension/`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Options of `cargo xtask dist`.
struct DistArgs {
    out: Option<PathBuf>,
    skip_npm_ci: bool,
}

fn parse(args: &[String]) -> anyhow::Result<DistArgs> {
    let mut parsed = DistArgs {
        out: None,
        skip_npm_ci: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => {
                let dir = it.next().context("--out needs a directory")?;
                parsed.out = Some(PathBuf::from(dir));
            }
            "--skip-npm-ci" => parsed.skip_npm_ci = true,
            other => bail!(
                "unknown argument {other:?}; usage: cargo xtask dist [--out DIR] [--skip-npm-ci]"
            ),
        }
    }
    Ok(parsed)
}

/// The vsce `--target` of the machine building the package (the bundled binary is native).
fn vsce_target() -> anyhow::Result<&'static str> {
    use std::env::consts::{ARCH, OS};
    Ok(match (OS, ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        ("windows", "x86_64") => "win32-x64",
        ("windows", "aarch64") => "win32-arm64",
        (os, arch) => bail!("no VS Code platform target for {os}/{arch}"),
    })
}

/// Runs a step with its output on our stderr: stdout carries only the path of the `.vsix`.
fn run(cmd: &mut Command) -> anyhow::Result<()> {
    cmd.stdout(std::process::Stdio::from(std::io::stderr()));
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// npm on Windows is `npm.cmd`.
fn npm() -> Command {
    Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
}

fn npx() -> Command {
    Command::new(if cfg!(windows) { "npx.cmd" } else { "npx" })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reads the top-level `"version"` of package.json (the first such key, which npm keeps near the
/// top) without a JSON dependency in xtask.
fn extension_version(extension: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(extension.join("package.json"))
        .context("reading vscode-extension/package.json")?;
    text.lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("\"version\"")?;
            let value = rest.trim_start().strip_prefix(':')?.trim();
            let value = value.trim_end_matches(',').trim_matches('"');
            (!value.is_empty()).then(|| value.to_owned())
        })
        .context("vscode-extension/package.json has no version")
}

pub fn dist(args: &[String]) -> anyhow::Result<()> {
    let args = parse(args)?;
    let root = workspace_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    run(Command::new(cargo).current_dir(&root).args([
        "build",
        "--release",
        "--locked",
        "-p",
        "void-ls",
    ]))?;
    let exe = format!("void-ls{}", std::env::consts::EXE_SUFFIX);
    let built = target_dir.join("release").join(&exe);
    if !built.is_file() {
        bail!("the release build did not produce {}", built.display());
    }

    let extension = root.join("vscode-extension");
    let bundled_dir = extension.join("server");
    std::fs::create_dir_all(&bundled_dir).context("creating vscode-extension/server")?;
    let bundled = bundled_dir.join(&exe);
    std::fs::copy(&built, &bundled)
        .with_context(|| format!("copying {} to {}", built.display(), bundled.display()))?;

    if !args.skip_npm_ci || !extension.join("node_modules").is_dir() {
        run(npm()
            .current_dir(&extension)
            .args(["ci", "--no-audit", "--no-fund"]))?;
    }
    run(npm()
        .current_dir(&extension)
        .args(["run", "build:production"]))?;

    let target = vsce_target()?;
    let version = extension_version(&extension)?;
    let out_dir = args.out.unwrap_or_else(|| target_dir.join("dist"));
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let vsix = out_dir.join(format!("void-ls-{target}-{version}.vsix"));
    run(npx()
        .current_dir(&extension)
        .args([
            "--no-install",
            "vsce",
            "package",
            "--no-dependencies",
            "--skip-license",
            "--target",
            target,
            "--out",
        ])
        .arg(&vsix))?;
    writeln!(std::io::stdout().lock(), "{}", vsix.display())?;
    Ok(())
}
