//! Where a webhook may go: a public internet address. Loopback, private, link-local (the cloud's
//! metadata service at 169.254.169.254), multicast, unique-local and the other special ranges are
//! refused, in every spelling an HTTP client accepts: dotted, decimal (`2130706433`), hex
//! (`0x7f000001`), octal, short forms (`127.1`) and IPv6 with an IPv4 inside
//! (`[::ffff:169.254.169.254]`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of place an address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// On the internet: fine.
    Public,
    /// This machine: only the local cloud sends there.
    Loopback,
    /// Private, link-local, multicast, reserved: never.
    Internal,
}

/// The address a URL's host names when it is an IP literal in any spelling; `None` for a name.
pub fn ip_literal(host: &str) -> Option<IpAddr> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // A zone (`%eth0`) names a local interface: as good as link-local.
        let inner = inner.split('%').next().unwrap_or(inner);
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(v6));
    }
    ipv4_any_spelling(host).map(IpAddr::V4)
}

/// The WHATWG URL reading of an IPv4 host: 1–4 parts, each decimal, `0x` hex or `0` octal; the
/// last part fills the remaining bytes.
fn ipv4_any_spelling(host: &str) -> Option<Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        numbers.push(parse_part(part)?);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) {
        return None;
    }
    let room = 8 * (5 - numbers.len() as u32);
    if room < 64 && *last >= 1u64 << room {
        return None;
    }
    let mut value = *last;
    for (index, n) in leading.iter().enumerate() {
        value += n << (8 * (3 - index as u32));
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn parse_part(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or(part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // `0x` alone is zero in the URL standard.
        return (radix == 16).then_some(0);
    }
    if digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

pub fn reach(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => reach_v4(v4),
        IpAddr::V6(v6) => reach_v6(v6),
    }
}

fn reach_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return Reach::Loopback;
    }
    let internal = ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT, 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240;
    if internal {
        Reach::Internal
    } else {
        Reach::Public
    }
}

fn reach_v6(ip: Ipv6Addr) -> Reach {
    if ip.is_loopback() {
        return Reach::Loopback;
    }
    // An IPv4 address inside (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
    // `64:ff9b::a.b.c.d`) goes where that IPv4 address goes.
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    if segments[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_unspecified() {
        return reach_v4(Ipv4Addr::from(
            (u32::from(segments[6]) << 16) | u32::from(segments[7]),
        ));
    }
    if segments[0] == 0x64 && segments[1] == 0xff9b {
        return reach_v4(Ipv4Addr::from(
            (u32::from(segments[6]) << 16) | u32::from(segments[7]),
        ));
    }
    let first = segments[0];
    let internal = ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        // Documentation 2001:db8::/32, 6to4 2002::/16 (it embeds any IPv4).
        || (first == 0x2001 && segments[1] == 0x0db8)
        || first == 0x2002;
    if internal {
        Reach::Internal
    } else {
        Reach::Public
    }
}

/// Whether a webhook may be sent to `ip`: public always, loopback only where `loopback_ok`
/// (the local cloud), anything internal never.
pub fn may_send_to(ip: IpAddr, loopback_ok: bool) -> bool {
    match reach(ip) {
        Reach::Public => true,
        Reach::Loopback => loopback_ok,
        Reach::Internal => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach_of(host: &str) -> Reach {
        reach(ip_literal(host).unwrap_or_else(|| panic!("{host} is an IP")))
    }

    #[test]
    fn the_metadata_service_and_private_ranges_are_internal_in_every_spelling() {
        for host in [
            "169.254.169.254",
            "0xa9fea9fe",
            "2852039166",
            "0251.0376.0251.0376",
            "169.254.43518",
            "10.0.0.1",
            "10.1",
            "192.168.1.1",
            "172.16.0.1",
            "100.64.0.1",
            "0.0.0.0",
            "0",
            "224.0.0.1",
            "255.255.255.255",
            "[::ffff:169.254.169.254]",
            "[::ffff:a9fe:a9fe]",
            "[::169.254.169.254]",
            "[64:ff9b::a9fe:a9fe]",
            "[fd00::1]",
            "[fe80::1%eth0]",
            "[ff02::1]",
            "[::]",
            "[2002:a9fe:a9fe::1]",
        ] {
            assert_eq!(reach_of(host), Reach::Internal, "{host}");
        }
    }

    #[test]
    fn loopback_is_loopback_however_written() {
        for host in [
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "0x7f.1",
            "0177.0.0.1",
            "127.1",
            "127.0.0.1.",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert_eq!(reach_of(host), Reach::Loopback, "{host}");
        }
    }

    #[test]
    fn public_addresses_and_names_pass() {
        for host in [
            "93.184.216.34",
            "8.8.8.8",
            "[2606:4700:4700::1111]",
            "1.1.1.1",
        ] {
            assert_eq!(reach_of(host), Reach::Public, "{host}");
        }
        for name in [
            "hooks.example.com",
            "crm.acme.io",
            "1password.com",
            "0x.example",
        ] {
            assert_eq!(ip_literal(name), None, "{name} is a name, resolved later");
        }
        assert_eq!(ip_literal("256.0.0.1"), None, "not an address at all");
        assert_eq!(ip_literal("1.2.3.4.5"), None);
    }

    #[test]
    fn only_the_local_cloud_may_send_to_loopback_and_nobody_inside() {
        let local = "127.0.0.1".parse().unwrap();
        let private = "10.0.0.1".parse().unwrap();
        assert!(may_send_to(local, true));
        assert!(!may_send_to(local, false));
        assert!(!may_send_to(private, true));
    }
}
