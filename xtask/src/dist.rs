//! `cargo xtask dist`: the release artifacts, from one command.
//!
//! For each platform asked for (by default every one this machine can build: linux-x64,
//! linux-arm64 and win32-x64 on Linux x86-64; darwin-arm64 and darwin-x64 on macOS) it builds
//! `void-ls` with cargo (cross-compiling where the platform is not the host's), strips a copy
//! into the output folder as `void-ls-<platform>-<version>[.exe]`, and packages a platform
//! `.vsix` of the VS Code extension that bundles that binary (`server/void-ls` inside the
//! extension, found by its discovery step 3). Then a universal `.vsix` without a server (the
//! extension finds `void-ls` on `PATH` or from its settings), and `SHA256SUMS` over everything.
//! `--universal-only` makes just the universal `.vsix`, with no cargo build (for a server
//! installed by `cargo install`). How to build on each machine: docs/release.md.
//!
//! The build uses the `dist` cargo profile (whole-program optimisation) unless `--profile` names
//! another: `--profile release` reuses what `cargo build --release` already built (the host's
//! binary is taken from `target/release/`, not rebuilt under a `--target` folder).
//!
//! Output lands in `<target dir>/distrib/` unless `--out DIR` says otherwise; stdout carries
//! only the paths of what was made, one a line, `SHA256SUMS` first and the `.vsix` to install on
//! this machine last (the host platform's, else the universal one). Nothing tracked
//! is changed: the copied binary, grammars, licences and bundle live in git-ignored folders of
//! `vscode-extension/`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::Digest as _;

use crate::cargo;

/// One platform the project ships for: VS Code's name for it, Rust's target triple, and the
/// tools that build and strip for it when it is not the host.
struct Platform {
    /// VS Code's `--target` name, also used in artifact names.
    name: &'static str,
    triple: &'static str,
    /// The `strip` of this platform's binutils.
    strip: &'static str,
    /// Where this platform's linker, C compiler (for `ring`), `strip` and Rust standard library
    /// come from, for the error that says what is missing.
    tools_hint: &'static str,
}

const PLATFORMS: &[Platform] = &[
    Platform {
        name: "linux-x64",
        triple: "x86_64-unknown-linux-gnu",
        strip: "strip",
        tools_hint: "binutils",
    },
    Platform {
        name: "linux-arm64",
        triple: "aarch64-unknown-linux-gnu",
        strip: "aarch64-linux-gnu-strip",
        tools_hint: "Debian package gcc-aarch64-linux-gnu, and `rustup target add aarch64-unknown-linux-gnu`",
    },
    Platform {
        name: "win32-x64",
        triple: "x86_64-pc-windows-gnu",
        strip: "x86_64-w64-mingw32-strip",
        tools_hint: "Debian package gcc-mingw-w64-x86-64, and `rustup target add x86_64-pc-windows-gnu`",
    },
    Platform {
        name: "darwin-arm64",
        triple: "aarch64-apple-darwin",
        strip: "strip",
        tools_hint: "Xcode command-line tools, and `rustup target add aarch64-apple-darwin`",
    },
    Platform {
        name: "darwin-x64",
        triple: "x86_64-apple-darwin",
        strip: "strip",
        tools_hint: "Xcode command-line tools, and `rustup target add x86_64-apple-darwin`",
    },
];

impl Platform {
    fn by_name(name: &str) -> anyhow::Result<&'static Platform> {
        // `windows-x64` is accepted for people who do not think in VS Code's names.
        let name = if name == "windows-x64" {
            "win32-x64"
        } else {
            name
        };
        PLATFORMS.iter().find(|p| p.name == name).with_context(|| {
            let known: Vec<_> = PLATFORMS.iter().map(|p| p.name).collect();
            format!("unknown platform {name:?}; known: {}", known.join(", "))
        })
    }

    fn is_windows(&self) -> bool {
        self.triple.contains("windows")
    }

    fn exe_name(&self) -> &'static str {
        if self.is_windows() {
            "void-ls.exe"
        } else {
            "void-ls"
        }
    }
}

/// The platform of the machine running `dist`: its binary is built without `--target`.
fn host_platform() -> anyhow::Result<&'static Platform> {
    use std::env::consts::{ARCH, OS};
    let name = match (OS, ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        ("windows", "x86_64") => "win32-x64",
        (os, arch) => bail!("no release platform for {os}/{arch}"),
    };
    Platform::by_name(name)
}

/// What this machine builds by default: the platforms its toolchains reach.
fn default_platforms(host: &'static Platform) -> anyhow::Result<Vec<&'static Platform>> {
    let names: &[&str] = match host.name {
        "linux-x64" => &["linux-x64", "linux-arm64", "win32-x64"],
        "darwin-arm64" | "darwin-x64" => &["darwin-arm64", "darwin-x64"],
        other => return Ok(vec![Platform::by_name(other)?]),
    };
    names.iter().map(|n| Platform::by_name(n)).collect()
}

/// Options of `cargo xtask dist`.
struct DistArgs {
    out: Option<PathBuf>,
    skip_npm_ci: bool,
    profile: String,
    platforms: Vec<&'static Platform>,
    universal: bool,
    /// Only the universal `.vsix`: no cargo build at all (for a server installed by
    /// `cargo install`).
    universal_only: bool,
}

const USAGE: &str = "usage: cargo xtask dist [--target PLATFORM]... [--profile dist|release] \
[--out DIR] [--skip-npm-ci] [--no-universal | --universal-only]
platforms: linux-x64, linux-arm64, win32-x64 (or windows-x64), darwin-arm64, darwin-x64";

fn parse(args: &[String]) -> anyhow::Result<DistArgs> {
    let mut parsed = DistArgs {
        out: None,
        skip_npm_ci: false,
        profile: cargo::SHIPPED_PROFILE.to_owned(),
        platforms: Vec::new(),
        universal: true,
        universal_only: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => {
                let dir = it.next().context("--out needs a directory")?;
                parsed.out = Some(PathBuf::from(dir));
            }
            "--profile" => {
                parsed.profile = it.next().context("--profile needs a name")?.clone();
            }
            "--target" => {
                let name = it.next().context("--target needs a platform")?;
                let platform = Platform::by_name(name)?;
                if !parsed.platforms.iter().any(|p| p.name == platform.name) {
                    parsed.platforms.push(platform);
                }
            }
            "--skip-npm-ci" => parsed.skip_npm_ci = true,
            "--no-universal" => parsed.universal = false,
            "--universal-only" => parsed.universal_only = true,
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if parsed.universal_only && (!parsed.universal || !parsed.platforms.is_empty()) {
        bail!(
            "--universal-only makes no binaries: it goes with neither --target nor --no-universal"
        );
    }
    Ok(parsed)
}

/// Runs a step with its output on our stderr: stdout carries only the artifact paths.
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

/// Builds `void-ls` for one platform and returns the path of the binary cargo made.
fn build(
    root: &Path,
    target_dir: &Path,
    profile: &str,
    platform: &Platform,
    host: &Platform,
) -> anyhow::Result<PathBuf> {
    let mut cmd = cargo::command(root);
    cmd.args(["build", "--locked", "-p", "void-ls", "--profile", profile]);
    let out_dir = if platform.triple == host.triple {
        // The host's build lands where `cargo build --release` puts it, so it is reused.
        target_dir.join(cargo::profile_dir(profile))
    } else {
        cmd.args(["--target", platform.triple]);
        target_dir
            .join(platform.triple)
            .join(cargo::profile_dir(profile))
    };
    run(&mut cmd).with_context(|| {
        format!(
            "building for {} needs: {}",
            platform.name, platform.tools_hint
        )
    })?;
    let built = out_dir.join(platform.exe_name());
    if !built.is_file() {
        bail!("the build did not produce {}", built.display());
    }
    Ok(built)
}

/// Copies `built` to `dest` and strips the copy's symbols (a no-op when the profile stripped).
fn copy_stripped(built: &Path, dest: &Path, platform: &Platform) -> anyhow::Result<()> {
    std::fs::copy(built, dest)
        .with_context(|| format!("copying {} to {}", built.display(), dest.display()))?;
    let mut strip = Command::new(platform.strip);
    if platform.triple.contains("apple") {
        strip.arg("-x");
    }
    run(strip.arg(dest)).with_context(|| {
        format!(
            "stripping the {} binary needs `{}` ({})",
            platform.name, platform.strip, platform.tools_hint
        )
    })
}

/// Makes `dir` exist and hold nothing.
fn empty_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(unix)]
fn make_executable(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("chmod 755 {}", file.display()))
}

#[cfg(not(unix))]
fn make_executable(_file: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Runs vsce in the extension folder; `target` is a VS Code platform, or `None` for the
/// universal package.
fn vsce_package(extension: &Path, target: Option<&str>, vsix: &Path) -> anyhow::Result<()> {
    let mut cmd = npx();
    cmd.current_dir(extension).args([
        "--no-install",
        "vsce",
        "package",
        "--no-dependencies",
        // The licence files are LICENSE-MIT and LICENSE-APACHE (copied in below), which vsce's
        // single-LICENSE check does not look for; the project has no public repository yet.
        "--skip-license",
        "--allow-missing-repository",
    ]);
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    run(cmd.arg("--out").arg(vsix))
}

/// `SHA256SUMS` in the format `sha256sum -c` reads: `<hex>  <file name>` per line.
fn write_checksums(out_dir: &Path, files: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let mut text = String::new();
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let digest = sha2::Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let name = file
            .file_name()
            .context("artifact without a file name")?
            .to_string_lossy();
        text.push_str(&format!("{hex}  {name}\n"));
    }
    let sums = out_dir.join("SHA256SUMS");
    std::fs::write(&sums, text).with_context(|| format!("writing {}", sums.display()))?;
    Ok(sums)
}

pub fn dist(args: &[String]) -> anyhow::Result<()> {
    let mut args = parse(args)?;
    let root = workspace_root();
    let host = host_platform()?;
    if args.platforms.is_empty() && !args.universal_only {
        args.platforms = default_platforms(host)?;
    }
    let target_dir = cargo::target_dir(&root);
    let extension = root.join("vscode-extension");
    let version = extension_version(&extension)?;
    let out_dir = args.out.unwrap_or_else(|| target_dir.join("distrib"));
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    // Every binary first: a platform whose toolchain is missing fails before any packaging.
    let mut binaries = Vec::new();
    for &platform in &args.platforms {
        let built = build(&root, &target_dir, &args.profile, platform, host)?;
        let suffix = if platform.is_windows() { ".exe" } else { "" };
        let dest = out_dir.join(format!("void-ls-{}-{version}{suffix}", platform.name));
        copy_stripped(&built, &dest, platform)?;
        make_executable(&dest)?;
        binaries.push((platform, dest));
    }

    if !args.skip_npm_ci || !extension.join("node_modules").is_dir() {
        run(npm()
            .current_dir(&extension)
            .args(["ci", "--no-audit", "--no-fund"]))?;
    }
    run(npm()
        .current_dir(&extension)
        .args(["run", "build:production"]))?;
    for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
        std::fs::copy(root.join(licence), extension.join(licence))
            .with_context(|| format!("copying {licence} into vscode-extension/"))?;
    }

    let bundled_dir = extension.join("server");
    let mut made: Vec<PathBuf> = Vec::new();
    let mut host_vsix = None;
    for (platform, binary) in &binaries {
        empty_dir(&bundled_dir)?;
        let bundled = bundled_dir.join(platform.exe_name());
        std::fs::copy(binary, &bundled)
            .with_context(|| format!("copying {} to {}", binary.display(), bundled.display()))?;
        make_executable(&bundled)?;
        let vsix = out_dir.join(format!("void-ls-{}-{version}.vsix", platform.name));
        vsce_package(&extension, Some(platform.name), &vsix)?;
        if platform.name == host.name {
            host_vsix = Some(vsix.clone());
        }
        made.push(binary.clone());
        made.push(vsix);
    }
    // The universal package bundles nothing: the server comes from PATH or the settings.
    empty_dir(&bundled_dir)?;
    let mut universal_vsix = None;
    if args.universal {
        let vsix = out_dir.join(format!("void-ls-{version}.vsix"));
        vsce_package(&extension, None, &vsix)?;
        universal_vsix = Some(vsix.clone());
        made.push(vsix);
    }
    std::fs::remove_dir_all(&bundled_dir).context("removing vscode-extension/server")?;

    let sums = write_checksums(&out_dir, &made)?;
    // The `.vsix` to install on this machine goes last, so `| tail -n 1` picks it: the host
    // platform's when it was built, else the universal one.
    let install_here = host_vsix.or_else(|| universal_vsix.clone());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", sums.display())?;
    for file in made.iter().filter(|f| Some(*f) != install_here.as_ref()) {
        writeln!(stdout, "{}", file.display())?;
    }
    if let Some(vsix) = install_here {
        writeln!(stdout, "{}", vsix.display())?;
    }
    Ok(())
}
