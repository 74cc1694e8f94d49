//! A node of the cluster, as `HOST:PORT`.

use std::fmt;
use std::str::FromStr;

use super::TenantsError;

/// A node of the cluster: the host and port `pg_dist_node` knows it by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node {
    /// The host name or address, as in `pg_dist_node.nodename`.
    pub host: String,
    /// The port, as in `pg_dist_node.nodeport`.
    pub port: u16,
}

impl Node {
    /// A node from a host and a port as PostgreSQL returns it (an `integer`).
    pub(crate) fn from_catalog(host: String, port: i32) -> Self {
        Self { host, port: u16::try_from(port).unwrap_or(0) }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl FromStr for Node {
    type Err = TenantsError;

    /// Reads `HOST:PORT`; the port is what follows the last colon.
    ///
    /// ```
    /// use multitenant_citus::tenants::Node;
    ///
    /// let node: Node = "127.0.0.1:5435".parse()?;
    /// assert_eq!((node.host.as_str(), node.port), ("127.0.0.1", 5435));
    /// assert!("127.0.0.1".parse::<Node>().is_err());
    /// # Ok::<(), multitenant_citus::tenants::TenantsError>(())
    /// ```
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| TenantsError::InvalidNode { input: input.to_owned(), reason };
        let (host, port) = input.rsplit_once(':').ok_or_else(|| invalid("no :PORT"))?;
        if host.is_empty() {
            return Err(invalid("no HOST before the colon"));
        }
        let port = port.parse::<u16>().map_err(|_| invalid("the port is not a number from 1 to 65535"))?;
        if port == 0 {
            return Err(invalid("the port is not a number from 1 to 65535"));
        }
        Ok(Self { host: host.to_owned(), port })
    }
}
