//! Open TCP connections to listed addresses, from `<root>/proc/net/tcp` and
//! `tcp6` (addresses in the kernel's little-endian hex).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::catalog::PatternKind;
use crate::checks::hit;
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// Checks both tables.
pub(crate) fn check(scope: &Scope) -> Vec<Hit> {
    let listed: Vec<(IpAddr, _)> = scope
        .catalog
        .of(PatternKind::Address)
        .filter_map(|i| Some((i.pattern.parse::<IpAddr>().ok()?, i)))
        .collect();
    let mut hits = Vec::new();
    for table in ["proc/net/tcp", "proc/net/tcp6"] {
        let Some(text) = scope.read_text(&scope.at(table)) else {
            continue;
        };
        for conn in text.lines().skip(1).filter_map(parse_line) {
            let remote = canonical(conn.remote);
            for (addr, ind) in &listed {
                if canonical(*addr) == remote {
                    hits.push(hit(
                        HitKind::Network,
                        None,
                        format!("{remote}:{}", conn.port),
                        ind,
                        format!(
                            "tcp connection from local port {} ({})",
                            conn.local_port,
                            state(conn.state)
                        ),
                    ));
                }
            }
        }
    }
    hits
}

/// One row of `/proc/net/tcp[6]`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Conn {
    pub(crate) local_port: u16,
    pub(crate) remote: IpAddr,
    pub(crate) port: u16,
    pub(crate) state: u8,
}

/// Parses `sl local_address rem_address st ...`.
pub(crate) fn parse_line(line: &str) -> Option<Conn> {
    let mut fields = line.split_whitespace();
    fields.next()?;
    let (_, local_port) = parse_endpoint(fields.next()?)?;
    let (remote, port) = parse_endpoint(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    Some(Conn {
        local_port,
        remote,
        port,
        state,
    })
}

fn parse_endpoint(text: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(addr, 16).ok()?.to_le_bytes(),
        )),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let word = u32::from_str_radix(&addr[i * 8..i * 8 + 8], 16).ok()?;
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((ip, port))
}

/// An IPv4-mapped IPv6 address as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn state(code: u8) -> &'static str {
    match code {
        0x01 => "established",
        0x02 => "syn-sent",
        0x03 => "syn-received",
        0x04 => "fin-wait-1",
        0x05 => "fin-wait-2",
        0x06 => "time-wait",
        0x07 => "closed",
        0x08 => "close-wait",
        0x09 => "last-ack",
        0x0A => "listen",
        0x0B => "closing",
        _ => "unknown state",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_and_v6_rows() {
        // 83.142.209.194:443 is C2D18E53:01BB in little-endian hex
        let v4 = "   1: 0100007F:A1B2 C2D18E53:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 20 4 30 10 -1";
        let conn = parse_line(v4).unwrap();
        assert_eq!(conn.remote, "83.142.209.194".parse::<IpAddr>().unwrap());
        assert_eq!((conn.port, conn.local_port, conn.state), (443, 0xA1B2, 1));
        let v6 = "   0: 00000000000000000000000001000000:1F90 0000000000000000FFFF0000C2D18E53:0050 01 00000000:00000000 00:00000000 00000000  1000 0 1 1";
        let conn = parse_line(v6).unwrap();
        assert_eq!(
            canonical(conn.remote),
            "83.142.209.194".parse::<IpAddr>().unwrap()
        );
        assert_eq!(conn.port, 80);
        assert_eq!(parse_line("  sl  local_address rem_address   st"), None);
    }
}
