//! A socket reader with a deadline: each read waits only for what is left of it, so a
//! client that trickles a byte at a time cannot keep a connection (and its thread) forever.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads `stream` until `until`; past it, every read fails with `TimedOut`.
#[derive(Debug)]
pub(crate) struct Deadline {
    stream: TcpStream,
    until: Option<Instant>,
}

impl Deadline {
    /// No deadline until [`set`](Self::set).
    pub(crate) fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            until: None,
        }
    }

    /// Reads must be done within `within` from now (a duration too long to represent
    /// means no deadline).
    pub(crate) fn set(&mut self, within: Duration) {
        self.until = Instant::now().checked_add(within);
    }
}

impl Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(until) = self.until {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        self.stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn bytes_before_the_deadline_do_not_extend_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut reader = Deadline::new(server);
        reader.set(Duration::from_millis(300));
        let writer = std::thread::spawn(move || {
            // A byte every 50 ms, for far longer than the deadline.
            for _ in 0..100 {
                if client.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut buf = [0u8; 1];
        let outcome = loop {
            match reader.read(&mut buf) {
                Ok(1) => continue,
                other => break other,
            }
        };
        let err = outcome.unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ),
            "{err:?}"
        );
        drop(reader);
        writer.join().unwrap();
    }
}
