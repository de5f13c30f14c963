//! Socket.IO v4 (docs/format.md §4.5) over the session engine: Engine.IO v4 on the WebSocket
//! transport, one namespace per session. The protocol is written here as small pure parts;
//! the connection ([`crate::connection`]) drives them, so a Socket.IO session has the same log,
//! transcript, assertions, pause, backpressure and reconnect as a plain WebSocket one.
//!
//! - [`packet`]: Engine.IO and Socket.IO packets, decoded and encoded;
//! - [`message`]: a received event or acknowledgement and an event to send, with the line the
//!   log shows;
//! - [`reader`]: a connection's frames in order (binary attachments put together);
//! - [`acks`]: the acknowledgements this client waits for.

pub mod acks;
pub mod message;
pub mod packet;
pub mod reader;

/// The URL a Socket.IO session connects to: the server's address with the Engine.IO path
/// (`/socket.io/` when the URL names no path) and query (`EIO=4&transport=websocket`), the
/// URL's own query kept.
pub fn engine_url(url: &str) -> Result<String, String> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| format!("`{url}` is not a valid URL: {e}"))?;
    if parsed.path().is_empty() || parsed.path() == "/" {
        parsed.set_path("/socket.io/");
    }
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "EIO" && k != "transport")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query
            .append_pair("EIO", "4")
            .append_pair("transport", "websocket");
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_url_adds_the_engine_io_path_and_query() {
        assert_eq!(
            engine_url("ws://localhost:3000").unwrap(),
            "ws://localhost:3000/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(
            engine_url("wss://h/custom/?room=a&EIO=3").unwrap(),
            "wss://h/custom/?room=a&EIO=4&transport=websocket"
        );
        assert!(engine_url("not a url").is_err());
    }
}
