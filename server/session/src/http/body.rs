//! Request bodies as bytes: text bodies as written, `url-table` rows url-encoded, multipart
//! forms with their files, and a `restFile` sent whole.
//!
//! Files are read through [`crate::project_files`] on the blocking pool: regular files inside
//! the project only, at most [`Limit::UPLOAD_BYTES`] each. A path starting with `/` is taken
//! from the project root (as the app writes file links), any other from the `.void` file's
//! directory. A file that cannot be read stops the request with the reason in words.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::spec::{FormPart, RequestBody};
use crate::SessionSpec;
use crate::project_files::Limit;

/// A body ready to send, and what a person is shown of it.
#[derive(Debug, Clone, Default)]
pub struct EncodedBody {
    pub bytes: Bytes,
    /// The `Content-Type` the body needs (sent unless the section's headers give one; a
    /// multipart body's always wins, for its boundary).
    pub content_type: Option<String>,
    /// Whether `content_type` must replace a `Content-Type` the headers give.
    pub content_type_required: bool,
    /// The body as shown in the log: the text, or one line per form field (`name: [file]
    /// a.png (12 KiB)`).
    pub summary: String,
}

/// Where a body file is read from: `/x` from the project root, `x` from the file's directory.
pub fn body_file_path(spec: &SessionSpec, written: &str) -> PathBuf {
    let written = written.trim();
    match written.strip_prefix('/') {
        Some(from_root) => match spec.project().root() {
            Some(root) => root.join(from_root),
            None => PathBuf::from(written),
        },
        None => spec.relative_to_file(Path::new(written)),
    }
}

/// The media type of a file, by its extension (the app's table; `application/octet-stream`
/// for the rest).
pub fn mime_type(path: &str) -> &'static str {
    let ext = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "application/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "csv" => "text/csv",
        "yaml" | "yml" => "application/x-yaml",
        _ => "application/octet-stream",
    }
}

async fn read_file(spec: &SessionSpec, written: &str) -> Result<Bytes, String> {
    let path = body_file_path(spec, written);
    spec.project()
        .read_async(&path, Limit::Upload)
        .await
        .map(Bytes::from)
        .map_err(|e| format!("cannot attach `{}`: {e}", written.trim()))
}

fn file_name(written: &str) -> String {
    let name = written.trim().rsplit(['/', '\\']).next().unwrap_or("");
    if name.is_empty() {
        "file".to_string()
    } else {
        name.to_string()
    }
}

/// Encodes a body, reading its files.
pub async fn encode(spec: &SessionSpec, body: &RequestBody) -> Result<EncodedBody, String> {
    match body {
        RequestBody::Empty => Ok(EncodedBody::default()),
        RequestBody::Text { text, content_type } => Ok(EncodedBody {
            bytes: Bytes::from(text.clone()),
            content_type: Some(content_type.clone()),
            content_type_required: false,
            summary: text.clone(),
        }),
        RequestBody::Form(fields) => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                form.append_pair(k, v);
            }
            let text = form.finish();
            Ok(EncodedBody {
                bytes: Bytes::from(text.clone()),
                content_type: Some("application/x-www-form-urlencoded".into()),
                content_type_required: false,
                summary: text,
            })
        }
        RequestBody::File { path } => {
            let bytes = read_file(spec, path).await?;
            Ok(EncodedBody {
                summary: format!("[file] {} ({})", file_name(path), size_words(bytes.len())),
                bytes,
                content_type: Some(mime_type(path).to_string()),
                content_type_required: false,
            })
        }
        RequestBody::Multipart(parts) => multipart(spec, parts).await,
    }
}

/// `12 B`, `4.0 KiB`, `1.5 MiB`.
pub fn size_words(n: usize) -> String {
    void_syntax::vocab::human_size(n as u64)
}

async fn multipart(spec: &SessionSpec, parts: &[FormPart]) -> Result<EncodedBody, String> {
    // Read every file first: the boundary must not occur in any part.
    let mut loaded = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            FormPart::Text { name, value } => loaded.push((name, None, Bytes::from(value.clone()))),
            FormPart::File { name, path } => {
                let bytes = read_file(spec, path).await?;
                loaded.push((name, Some(path.as_str()), bytes));
            }
        }
    }
    let boundary = loop {
        let candidate = fresh_boundary();
        let needle = candidate.as_bytes();
        if !loaded
            .iter()
            .any(|(_, _, b)| b.windows(needle.len()).any(|w| w == needle))
        {
            break candidate;
        }
    };
    let mut out = Vec::new();
    let mut summary = Vec::new();
    for (name, file, bytes) in &loaded {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let name = quote_form_name(name);
        match file {
            Some(path) => {
                let file = file_name(path);
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                        quote_form_name(&file),
                        mime_type(path)
                    )
                    .as_bytes(),
                );
                summary.push(format!(
                    "{name}: [file] {file} ({})",
                    size_words(bytes.len())
                ));
            }
            None => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                summary.push(format!("{name}: {}", String::from_utf8_lossy(bytes)));
            }
        }
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(EncodedBody {
        bytes: Bytes::from(out),
        content_type: Some(format!("multipart/form-data; boundary={boundary}")),
        content_type_required: true,
        summary: summary.join("\n"),
    })
}

/// A form field name as it may stand between quotes (HTML's rule: `"` as `%22`, line breaks
/// as `%0D%0A`).
fn quote_form_name(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn fresh_boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "void-ls-{:016x}{:08x}",
        nanos ^ (u64::from(std::process::id()) << 32),
        n
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec_in(dir: &Path) -> SessionSpec {
        let mut spec = SessionSpec::new("http://h/");
        spec.file_dir = Some(dir.join("sub"));
        spec.project_root = Some(dir.to_path_buf());
        spec
    }

    #[tokio::test]
    async fn multipart_reads_files_from_the_project_and_the_document() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("root.txt"), b"at root").unwrap();
        std::fs::write(dir.path().join("sub/near.png"), [0u8, 1, 2]).unwrap();
        let spec = spec_in(dir.path());
        let body = encode(
            &spec,
            &RequestBody::Multipart(vec![
                FormPart::Text {
                    name: "note".into(),
                    value: "hi".into(),
                },
                FormPart::File {
                    name: "a".into(),
                    path: "/root.txt".into(),
                },
                FormPart::File {
                    name: "b".into(),
                    path: "near.png".into(),
                },
            ]),
        )
        .await
        .unwrap();
        let ct = body.content_type.unwrap();
        let boundary = ct.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(&body.bytes);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains(
            "name=\"a\"; filename=\"root.txt\"\r\nContent-Type: text/plain\r\n\r\nat root\r\n"
        ));
        assert!(text.contains("filename=\"near.png\"\r\nContent-Type: image/png"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(body.summary.contains("b: [file] near.png (3 B)"));
    }

    #[tokio::test]
    async fn a_file_outside_the_project_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        let spec = spec_in(dir.path());
        let err = encode(
            &spec,
            &RequestBody::File {
                path: "../../etc/passwd".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(err.contains("cannot attach `../../etc/passwd`"), "{err}");
        assert!(err.contains("outside"), "{err}");
        let missing = encode(
            &spec,
            &RequestBody::File {
                path: "/nope.bin".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(missing.contains("no such file"), "{missing}");
    }

    #[tokio::test]
    async fn forms_are_url_encoded() {
        let body = encode(
            &SessionSpec::new("http://h/"),
            &RequestBody::Form(vec![("q".into(), "a b&c".into()), ("n".into(), "1".into())]),
        )
        .await
        .unwrap();
        assert_eq!(&body.bytes[..], b"q=a+b%26c&n=1");
    }
}
