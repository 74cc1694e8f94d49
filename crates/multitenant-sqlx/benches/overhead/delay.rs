//! A TCP relay that holds every chunk of bytes for a fixed time before passing it on, in both
//! directions: a stand-in for the network between an application and a database on another
//! host, where loopback has next to none (this machine's kernel has no `netem`).
//!
//! Each direction of each connection is a reader task and a writer task joined by a channel:
//! the reader stamps a chunk with the time it is due, the writer waits until then and writes
//! it, so a round trip costs twice the delay however many chunks are in flight, as on a real
//! link. Every connection runs on one thread of the relay's own, a current-thread runtime
//! outside the bench's (a thread per direction cost more CPU in wake-ups than the server
//! spent on the statements). Its timer has millisecond steps, so a delay is rounded up to the
//! next step: the bench reports the round trip it measured.

use std::io;
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// Listens on a loopback port and relays each connection to `upstream`, each way `delay` late;
/// returns the address to connect to instead of `upstream`.
pub fn start(upstream: SocketAddr, delay: Duration) -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    thread::spawn(move || {
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("a listener");
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Err(error) = relay(client, upstream, delay).await {
                        eprintln!("delay relay: {error}");
                    }
                });
            }
        });
    });
    Ok(address)
}

async fn relay(client: TcpStream, upstream: SocketAddr, delay: Duration) -> io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::spawn(pipe(client_read, server_write, delay));
    tokio::spawn(pipe(server_read, client_write, delay));
    Ok(())
}

/// Copies `from` to `to`, each chunk `delay` after it was read.
async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let (chunks, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        // A read error ends the connection like its end does: the writer then closes its side.
        while let Ok(n @ 1..) = from.read(&mut buffer).await {
            if chunks.send((Instant::now() + delay, buffer[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    while let Some((at, chunk)) = due.recv().await {
        sleep_until(at).await;
        if to.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
