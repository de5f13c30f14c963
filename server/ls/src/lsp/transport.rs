//! JSON-RPC over a byte stream (stdio, or an in-memory pipe in tests): `Content-Length` framing,
//! and the loop that feeds the service.
//!
//! tower-lsp-server ships a transport, but its framed reader ends the stream on the first body
//! that is not a JSON-RPC message, so one malformed message would shut the server down. This
//! loop answers such input with the JSON-RPC error it deserves (`-32700` parse error or
//! `-32600` invalid request, `id: null` when none can be read) and keeps reading. It also bounds
//! the message size, and it never reorders: messages are handed to the service one by one in
//! arrival order ([`super::ordering`] relies on that), and each returned future is spawned, so a
//! slow request never holds up the next message.
//!
//! It must not interpret LSP methods beyond `exit` (which ends the loop).

use std::future::poll_fn;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower::Service;
use tower_lsp_server::ClientSocket;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Largest message body accepted (a bigger one is answered with an error and skipped).
pub const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;

/// Serves `service` on `input`/`output` until `exit`, end of input, or the service stops.
pub async fn serve<S, I, O>(mut service: S, socket: ClientSocket, input: I, output: O)
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (mut client_requests, mut client_responses) = socket.split();
    let (out, out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(write_loop(output, out_rx));
    let forward_out = out.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(request) = client_requests.next().await {
            match serde_json::to_vec(&request) {
                Ok(body) => {
                    if forward_out.send(body).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!("cannot serialize a request to the client: {e}"),
            }
        }
    });

    let mut reader = BufReader::with_capacity(64 * 1024, input);
    loop {
        let body = match read_frame(&mut reader).await {
            Ok(Some(body)) => body,
            Ok(None) => break,
            Err(FrameError::Io(e)) => {
                tracing::error!("reading from the client failed: {e}");
                break;
            }
            Err(FrameError::Bad(message)) => {
                tracing::warn!("{message}");
                send_error(&out, Value::Null, -32700, &message);
                continue;
            }
        };
        let value: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!("message is not JSON: {e}");
                send_error(
                    &out,
                    Value::Null,
                    -32700,
                    &format!("parse error: the message is not JSON ({e})"),
                );
                continue;
            }
        };
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        if value.get("method").is_some() {
            let request = match serde_json::from_value::<Request>(value) {
                Ok(request) => request,
                Err(e) => {
                    send_error(&out, id, -32600, &format!("invalid request: {e}"));
                    continue;
                }
            };
            let will_exit = request.method() == "exit";
            if !ready(&mut service).await {
                break;
            }
            let future = service.call(request);
            let response_out = out.clone();
            tokio::spawn(async move {
                if let Ok(Some(response)) = future.await {
                    match serde_json::to_vec(&response) {
                        Ok(body) => {
                            let _ = response_out.send(body);
                        }
                        Err(e) => tracing::error!("cannot serialize a response: {e}"),
                    }
                }
            });
            if will_exit {
                break;
            }
        } else if value.get("id").is_some()
            && (value.get("result").is_some() || value.get("error").is_some())
        {
            match serde_json::from_value::<Response>(value) {
                Ok(response) => {
                    if client_responses.send(response).await.is_err() {
                        break;
                    }
                }
                Err(e) => tracing::warn!("ignoring a malformed response from the client: {e}"),
            }
        } else {
            send_error(
                &out,
                id,
                -32600,
                "invalid request: a JSON-RPC message needs `method` (request or notification) or `id` with `result`/`error` (response)",
            );
        }
    }
    forwarder.abort();
    drop(out);
    // Let answers already computed (the `shutdown` response, say) reach the client.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
}

/// Waits until the service takes a message; `false` once it has exited.
async fn ready<S: Service<Request>>(service: &mut S) -> bool {
    loop {
        // The service is not ready while `initialize` runs and does not wake the caller then,
        // so poll again shortly instead of waiting for a wake-up.
        let poll = poll_fn(|cx| std::task::Poll::Ready(service.poll_ready(cx))).await;
        match poll {
            std::task::Poll::Ready(Ok(())) => return true,
            std::task::Poll::Ready(Err(_)) => return false,
            std::task::Poll::Pending => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

fn send_error(out: &mpsc::UnboundedSender<Vec<u8>>, id: Value, code: i64, message: &str) {
    let id = if id.is_string() || id.is_number() {
        id
    } else {
        Value::Null
    };
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    let _ = out.send(body.to_string().into_bytes());
}

async fn write_loop<O: AsyncWrite + Unpin>(
    mut output: O,
    mut bodies: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(body) = bodies.recv().await {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            // Flush only when nothing else is queued, so bursts go out in one write.
            if bodies.is_empty() {
                output.flush().await?;
            }
            std::io::Result::Ok(())
        };
        if let Err(e) = written.await {
            tracing::error!("writing to the client failed: {e}");
            return;
        }
    }
    let _ = output.flush().await;
}

enum FrameError {
    Io(std::io::Error),
    /// A framing problem the stream can recover from.
    Bad(String),
}

/// Reads one message body; `None` at a clean end of input.
async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut content_length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .await
            .map_err(FrameError::Io)?;
        if n == 0 {
            return if saw_header {
                Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()))
            } else {
                Ok(None)
            };
        }
        if line.len() > 8 * 1024 {
            return Err(FrameError::Bad("header line longer than 8 KiB".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue; // stray blank line between messages
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|e| format!("invalid Content-Length `{}`: {e}", value.trim())),
                );
            }
        }
    }
    let length = match content_length {
        None => {
            return Err(FrameError::Bad(
                "message without a Content-Length header".into(),
            ));
        }
        Some(Err(e)) => return Err(FrameError::Bad(e)),
        Some(Ok(length)) => length,
    };
    if length > MAX_MESSAGE_BYTES {
        let skipped = tokio::io::copy(
            &mut (&mut *reader).take(length as u64),
            &mut tokio::io::sink(),
        )
        .await
        .map_err(FrameError::Io)?;
        return Err(FrameError::Bad(format!(
            "message of {length} bytes is larger than the {MAX_MESSAGE_BYTES}-byte limit; skipped {skipped} bytes"
        )));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.map_err(FrameError::Io)?;
    Ok(Some(body))
}
