//! A transport adapter that reads ahead in large pieces while data streams in, and holds no
//! buffer of its own on a connection that only ever sees small messages.
//!
//! tungstenite reads at most [`READ_BUFFER_SIZE`] bytes per call (4 KiB, small
//! so that a thousand idle connections stay cheap), so a 1 MiB message costs 256 system calls.
//! This adapter passes reads straight through until [`FULL_READS_BEFORE_READ_AHEAD`] in a row
//! have filled the caller's whole buffer (a large message is streaming in); from there it reads
//! [`READ_AHEAD`] bytes at a time into a buffer of its own and serves the caller from memory.
//! The buffer is kept while the socket is drained between messages of a stream (releasing and
//! zeroing it again per message, and making eight small reads before each, cost more than the
//! read-ahead saved), and released as soon as a read brings less than [`SMALL_READ`] bytes:
//! the stream has turned to small messages. A connection that streamed and then went silent
//! keeps one buffer of [`READ_AHEAD`] bytes until its next read.
//!
//! It only moves bytes: it never looks at them, reorders them or drops them.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes of the per-connection read buffer (tokio-tungstenite's default is 128 KiB); also the
/// most tungstenite reads per call, which this adapter makes up for while data streams in.
pub const READ_BUFFER_SIZE: usize = 4 * 1024;
/// Bytes read at a time while data streams in.
pub const READ_AHEAD: usize = 64 * 1024;
/// Direct reads in a row that must fill the caller's buffer before reading ahead.
pub const FULL_READS_BEFORE_READ_AHEAD: u32 = 8;
/// A read-ahead that brings fewer bytes than this ends reading ahead (and frees the buffer).
pub const SMALL_READ: usize = READ_BUFFER_SIZE;

/// Wraps a byte stream; see the module documentation.
#[derive(Debug)]
pub struct ReadAhead<T> {
    inner: T,
    /// Read-ahead storage: empty (no allocation) unless a stream was seen (see the module doc).
    buffer: Vec<u8>,
    /// `buffer[start..end]` is read from the socket and not yet handed out.
    start: usize,
    end: usize,
    /// Direct reads in a row that filled the caller's buffer; reads ahead from
    /// [`FULL_READS_BEFORE_READ_AHEAD`] on.
    full_reads: u32,
}

impl<T> ReadAhead<T> {
    pub fn new(inner: T) -> Self {
        ReadAhead {
            inner,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            full_reads: 0,
        }
    }

    /// Bytes the adapter holds for the caller right now.
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Bytes of memory the adapter holds (0 unless reading ahead).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buffer.capacity()
    }

    fn hand_out(&mut self, dst: &mut ReadBuf<'_>) {
        let n = dst.remaining().min(self.end - self.start);
        dst.put_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
    }

    fn go_quiet(&mut self) {
        self.full_reads = 0;
        self.buffer = Vec::new();
        self.start = 0;
        self.end = 0;
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ReadAhead<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.start < this.end {
            this.hand_out(dst);
            return Poll::Ready(Ok(()));
        }
        if dst.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if this.full_reads < FULL_READS_BEFORE_READ_AHEAD {
            let before = dst.filled().len();
            let polled = Pin::new(&mut this.inner).poll_read(cx, dst);
            match polled {
                Poll::Ready(Ok(())) if dst.filled().len() > before && dst.remaining() == 0 => {
                    this.full_reads += 1;
                }
                _ => this.full_reads = 0,
            }
            return polled;
        }
        if this.buffer.len() < READ_AHEAD {
            this.buffer = vec![0; READ_AHEAD];
        }
        let mut ahead = ReadBuf::new(&mut this.buffer);
        match Pin::new(&mut this.inner).poll_read(cx, &mut ahead) {
            Poll::Ready(Ok(())) => {
                let n = ahead.filled().len();
                if n == 0 {
                    // End of stream: nothing to hand out, and nothing more will come.
                    this.go_quiet();
                    return Poll::Ready(Ok(()));
                }
                if n < SMALL_READ && dst.remaining() >= n {
                    // Small traffic now: hand it over and read directly from here on.
                    dst.put_slice(&this.buffer[..n]);
                    this.go_quiet();
                    return Poll::Ready(Ok(()));
                }
                this.start = 0;
                this.end = n;
                this.hand_out(dst);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => {
                this.go_quiet();
                Poll::Ready(Err(error))
            }
            // The socket is drained for now; the buffer is kept for the stream's next bytes.
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ReadAhead<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Reads everything in `read_size` pieces, as tungstenite does.
    async fn read_all<R: AsyncRead + Unpin>(reader: &mut R, read_size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut piece = vec![0; read_size];
        loop {
            let n = reader.read(&mut piece).await.unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&piece[..n]);
        }
    }

    #[tokio::test]
    async fn hands_over_every_byte_in_order_whatever_the_read_size() {
        let data: Vec<u8> = (0..3 * READ_AHEAD + 123)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        // A small pipe makes the reader wait often (direct reads, read-ahead dropped); a
        // large one lets it stream (read-ahead engaged).
        for (pipe, read_size) in [8 * 1024, 1 << 20].into_iter().flat_map(|pipe| {
            [1, 7, 4096, READ_AHEAD - 1, READ_AHEAD, 2 * READ_AHEAD + 5].map(|r| (pipe, r))
        }) {
            let (mut writer, reader) = tokio::io::duplex(pipe);
            let sent = data.clone();
            let feeder = tokio::spawn(async move {
                for piece in sent.chunks(5000) {
                    writer.write_all(piece).await.unwrap();
                }
            });
            let mut reader = ReadAhead::new(reader);
            let got = read_all(&mut reader, read_size).await;
            feeder.await.unwrap();
            assert_eq!(got, data, "pipe {pipe}, read size {read_size}");
        }
    }

    #[tokio::test]
    async fn keeps_its_buffer_between_bursts_and_frees_it_when_reads_turn_small() {
        let (mut writer, reader) = tokio::io::duplex(1 << 20);
        writer.write_all(&vec![9; 200_000]).await.unwrap();
        let mut reader = ReadAhead::new(reader);
        let mut piece = vec![0; 4096];
        let mut total = 0;
        while total < 200_000 {
            total += reader.read(&mut piece).await.unwrap();
        }
        assert!(reader.capacity() > 0, "a stream of data is read ahead");
        // Nothing more to read: the next read waits, and the buffer stays for the stream.
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            reader.read(&mut piece),
        )
        .await;
        assert!(waiting.is_err());
        assert_eq!(reader.buffered(), 0);
        assert_eq!(
            reader.capacity(),
            READ_AHEAD,
            "kept while the stream pauses"
        );
        // The next burst is read ahead at once.
        writer.write_all(&vec![7; 100_000]).await.unwrap();
        let n = reader.read(&mut piece).await.unwrap();
        assert_eq!(n, 4096);
        assert!(
            reader.buffered() > 0,
            "read ahead without eight direct reads first"
        );
        let mut rest = 100_000 - n;
        while rest > 0 {
            rest -= reader.read(&mut piece).await.unwrap();
        }
        // A small message: handed over whole, and the buffer is released.
        writer.write_all(b"after").await.unwrap();
        let n = reader.read(&mut piece).await.unwrap();
        assert_eq!(&piece[..n], b"after");
        assert_eq!(reader.capacity(), 0);
        assert_eq!(reader.buffered(), 0);
    }

    #[tokio::test]
    async fn writes_pass_through() {
        let (a, mut b) = tokio::io::duplex(1024);
        let mut a = ReadAhead::new(a);
        a.write_all(b"hello").await.unwrap();
        a.flush().await.unwrap();
        let mut got = [0; 5];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello");
    }
}
