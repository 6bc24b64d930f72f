//! The port a question is about: `5432`, `5432/TCP`, `53/udp`, `http/TCP`.

use std::fmt;
use std::str::FromStr;

use crate::engine::model::{PortRef, Protocol};

/// A port as a user asks about it: a number, or a name that the
/// destination pod declares (resolved by [`super::can_reach`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortQuery {
    pub protocol: Protocol,
    pub port: PortRef,
}

/// Why a port query does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortQueryError {
    /// The text after `/` is not TCP, UDP or SCTP.
    Protocol(String),
    /// A number outside 1-65535, as typed (it may not even fit a u32).
    OutOfRange(String),
    /// No port before the `/` (the whole query as typed).
    Empty(String),
}

impl fmt::Display for PortQueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortQueryError::Protocol(p) => write!(f, "{p:?}: protocol must be TCP, UDP or SCTP"),
            PortQueryError::OutOfRange(n) => write!(f, "port {n} is out of range 1-65535"),
            PortQueryError::Empty(s) => {
                write!(f, "{s:?}: expected PORT[/PROTOCOL], e.g. 5432/TCP")
            }
        }
    }
}

impl std::error::Error for PortQueryError {}

impl FromStr for PortQuery {
    type Err = PortQueryError;

    /// `PORT[/PROTOCOL]`, the protocol case-insensitive and TCP by default.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (p, protocol) = match spec.split_once('/') {
            Some((p, proto)) => (
                p,
                Protocol::parse_loose(proto)
                    .ok_or_else(|| PortQueryError::Protocol(proto.to_string()))?,
            ),
            None => (spec, Protocol::Tcp),
        };
        let port = match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => PortRef::Number(n as u16),
            Ok(n) => return Err(PortQueryError::OutOfRange(n.to_string())),
            // Too many digits for u32: a number, not a port name.
            Err(_) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(PortQueryError::OutOfRange(p.to_string()));
            }
            Err(_) if !p.is_empty() => PortRef::Name(p.to_string()),
            Err(_) => return Err(PortQueryError::Empty(spec.to_string())),
        };
        Ok(PortQuery { protocol, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Result<PortQuery, String> {
        s.parse::<PortQuery>().map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_names_and_protocols() {
        let tcp = |port| {
            Ok(PortQuery {
                protocol: Protocol::Tcp,
                port,
            })
        };
        assert_eq!(q("5432"), tcp(PortRef::Number(5432)));
        assert_eq!(q("5432/TCP"), tcp(PortRef::Number(5432)));
        assert_eq!(q("http/TCP"), tcp(PortRef::Name("http".into())));
        assert_eq!(
            q("53/udp"),
            Ok(PortQuery {
                protocol: Protocol::Udp,
                port: PortRef::Number(53)
            })
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            q("53/ICMP"),
            Err("\"ICMP\": protocol must be TCP, UDP or SCTP".into())
        );
        assert_eq!(q("0"), Err("port 0 is out of range 1-65535".into()));
        assert_eq!(
            q("70000/UDP"),
            Err("port 70000 is out of range 1-65535".into())
        );
        assert_eq!(
            q("99999999999999"),
            Err("port 99999999999999 is out of range 1-65535".into())
        );
        assert_eq!(
            q("/TCP"),
            Err("\"/TCP\": expected PORT[/PROTOCOL], e.g. 5432/TCP".into())
        );
    }
}
