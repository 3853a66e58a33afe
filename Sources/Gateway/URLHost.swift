import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A URL's host the way the clients that may call it read it. WHATWG URL parsers and curl turn every IPv4
/// notation that `inet_aton` accepts (`2130706433`, `0x7f000001`, `0x7f.1`, `0177.0.0.1`, `127.1`) into an
/// address, and AsyncHTTPClient hands such a host to `getaddrinfo`, which does the same; so does this type,
/// and the callback policy then compares and classifies one canonical form.
struct URLHost: Sendable, Hashable {
    enum Address: Sendable, Hashable {
        case ipv4(UInt32)
        /// 16 bytes, network order.
        case ipv6([UInt8])
        /// A DNS name: lower-cased, without the trailing dot that makes it absolute.
        case name(String)
    }

    /// As written, lower-cased, without brackets: the name a client looks up.
    let written: String
    let address: Address

    /// What allow-lists and refusals compare: a dotted quad, an RFC 5952 IPv6 address or the name.
    var canonical: String {
        switch address {
        case .ipv4(let value): Self.dottedQuad(value)
        case .ipv6(let bytes): Self.ipv6Text(bytes)
        case .name(let name): name
        }
    }

    /// The address a client connects to when the host is an IP literal in any notation; nil for a name.
    var literal: String? {
        if case .name = address { return nil }
        return canonical
    }

    /// Why no callback may go to this host, or nil. A name that passes must still resolve to public addresses.
    var refusal: String? {
        switch address {
        case .ipv4(let value): Self.internalRange(ipv4: value).map { "\(canonical) is \($0)" }
        case .ipv6(let bytes): Self.internalRange(ipv6: bytes).map { "\(canonical) is \($0)" }
        case .name(let name): Self.internalName(name)
        }
    }

    /// Reads an IPv6 address (with or without brackets), an IPv4 address in any `inet_aton` notation, or a
    /// DNS name of letters, digits, `-` and `_`; one trailing dot is allowed. Throws `CallbackURLError`.
    init(parsing text: String) throws {
        var host = text.lowercased()
        if host.count >= 2, host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        written = host
        guard !host.isEmpty else { throw CallbackURLError.malformed("has no host") }
        guard host.allSatisfy(\.isASCII) else { throw CallbackURLError.malformed("must be ASCII; write an international host name in its xn-- form") }
        if host.contains(":") {
            guard !host.contains("%") else { throw CallbackURLError.malformed("must not name an IPv6 zone (%)") }
            guard let bytes = Self.ipv6Bytes(host) else { throw CallbackURLError.malformed("host [\(host.prefix(64))] is not an IPv6 address") }
            address = .ipv6(bytes)
            return
        }
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard labels.allSatisfy({ !$0.isEmpty }) else { throw CallbackURLError.malformed("host \(host.prefix(64)) has an empty label") }
        // Like the WHATWG parser: a host whose last label is a number is an IPv4 address or nothing.
        if let last = labels.last, Self.isNumber(last) {
            guard let value = Self.ipv4(labels) else {
                throw CallbackURLError.malformed("host \(host.prefix(64)) ends in a number but is not an IPv4 address")
            }
            address = .ipv4(value)
            return
        }
        let name = labels.joined(separator: ".")
        guard name.count <= 253, labels.allSatisfy({ $0.count <= 63 && $0.allSatisfy(Self.isNameCharacter) }) else {
            throw CallbackURLError.malformed("host \(host.prefix(64)) is not a DNS name (letters, digits, '-', '_'; labels of 63 at most)")
        }
        address = .name(name)
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_")
    }

    // MARK: IPv4

    /// A label the WHATWG parser counts as a number: decimal digits, or `0x` and hex digits (`0x` alone is 0).
    static func isNumber(_ label: Substring) -> Bool {
        if label.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { return true }
        return label.hasPrefix("0x") && label.utf8.dropFirst(2).allSatisfy { hexValue($0) != nil }
    }

    /// One to four parts, each decimal, `0x` hex or (leading `0`) octal; the last fills the bytes the
    /// others leave, as in `inet_aton`: `127.1` is 127.0.0.1, `2130706433` is 127.0.0.1.
    static func ipv4(_ parts: [Substring]) -> UInt32? {
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = ipv4Number(part) else { return nil }
            numbers.append(number)
        }
        let last = numbers.removeLast()
        guard numbers.allSatisfy({ $0 <= 255 }), last < (UInt64(1) << (8 * (5 - parts.count))) else { return nil }
        var value = last
        for (index, number) in numbers.enumerated() {
            value += number << (8 * (3 - index))
        }
        return UInt32(value)
    }

    static func ipv4Number(_ part: Substring) -> UInt64? {
        var digits = part
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        var value: UInt64 = 0
        for byte in digits.utf8 {
            guard let digit = hexValue(byte), digit < radix else { return nil }
            value = value * radix + digit
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        default: nil
        }
    }

    static func dottedQuad(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }

    /// The IPv4 ranges no callback may reach: each range's base, prefix length and what it is.
    static let internalIPv4Ranges: [(base: UInt32, prefix: UInt32, name: String)] = [
        (0x0000_0000, 8, "an unspecified address (0.0.0.0/8)"),
        (0x0A00_0000, 8, "a private address (10.0.0.0/8)"),
        (0x6440_0000, 10, "a CGNAT address (100.64.0.0/10)"),
        (0x7F00_0000, 8, "a loopback address (127.0.0.0/8)"),
        (0xA9FE_0000, 16, "a link-local address (169.254.0.0/16)"),
        (0xAC10_0000, 12, "a private address (172.16.0.0/12)"),
        (0xC000_0000, 24, "an IETF protocol address (192.0.0.0/24)"),
        (0xC0A8_0000, 16, "a private address (192.168.0.0/16)"),
        (0xC612_0000, 15, "a benchmarking address (198.18.0.0/15)"),
        (0xE000_0000, 4, "a multicast address (224.0.0.0/4)"),
        (0xF000_0000, 4, "a reserved or broadcast address (240.0.0.0/4)"),
    ]

    static func internalRange(ipv4 value: UInt32) -> String? {
        internalIPv4Ranges.first { range in
            let mask = UInt32.max << (32 - range.prefix)
            return value & mask == range.base
        }?.name
    }

    // MARK: IPv6

    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var raw = in6_addr()
        guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        return withUnsafeBytes(of: raw) { Array($0) }
    }

    /// RFC 5952 text: lower-case hex groups, the first longest run of two or more zero groups as `::`.
    static func ipv6Text(_ bytes: [UInt8]) -> String {
        let groups = (0..<8).map { (UInt16(bytes[2 * $0]) << 8) | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = 0
        var bestLength = 0
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }

    /// The IPv4 address an IPv6 address carries, in the forms a stack or a translator may route to it.
    static func embeddedIPv4(_ bytes: [UInt8]) -> (address: UInt32, form: String)? {
        func zero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0 } }
        func ipv4(at start: Int) -> UInt32 {
            var value: UInt32 = 0
            for byte in bytes[start..<(start + 4)] { value = (value << 8) | UInt32(byte) }
            return value
        }
        if zero(0..<12) { return (ipv4(at: 12), "an IPv4-compatible form") }
        if zero(0..<10) && bytes[10] == 0xff && bytes[11] == 0xff { return (ipv4(at: 12), "the IPv4-mapped form") }
        if zero(0..<8) && bytes[8] == 0xff && bytes[9] == 0xff && zero(10..<12) { return (ipv4(at: 12), "the IPv4-translated form") }
        if bytes[0..<4].elementsEqual([0x00, 0x64, 0xff, 0x9b]) && zero(4..<12) { return (ipv4(at: 12), "a NAT64 form (64:ff9b::/96)") }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return (ipv4(at: 2), "a 6to4 form (2002::/16)") }
        if bytes[0..<4].elementsEqual([0x20, 0x01, 0x00, 0x00]) { return (~ipv4(at: 12), "a Teredo form (2001::/32)") }
        return nil
    }

    static func internalRange(ipv6 bytes: [UInt8]) -> String? {
        if bytes[0..<15].allSatisfy({ $0 == 0 }) {
            if bytes[15] == 1 { return "the loopback address (::1)" }
            if bytes[15] == 0 { return "the unspecified address (::)" }
        }
        if let embedded = embeddedIPv4(bytes) {
            return internalRange(ipv4: embedded.address).map { "\(embedded.form) of \(dottedQuad(embedded.address)), \($0)" }
        }
        if bytes[0..<6].elementsEqual([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01]) { return "a local-use NAT64 address (64:ff9b:1::/48)" }
        if bytes[0] == 0x01 && bytes[1..<8].allSatisfy({ $0 == 0 }) { return "a discard-only address (100::/64)" }
        if (bytes[0] & 0xfe) == 0xfc { return "a unique local address (fc00::/7)" }
        if bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80 { return "a link-local address (fe80::/10)" }
        if bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0 { return "a site-local address (fec0::/10)" }
        if bytes[0] == 0xff { return "a multicast address (ff00::/8)" }
        return nil
    }

    // MARK: Names

    /// Domains that only resolve inside a network: `localhost` (RFC 6761), `local` (mDNS), `internal`
    /// (ICANN's private-use TLD), `home.arpa` (RFC 8375) and the common `localdomain`.
    static let localDomains = ["localhost", "localdomain", "local", "internal", "home.arpa"]

    static func internalName(_ name: String) -> String? {
        if let domain = localDomains.first(where: { name == $0 || name.hasSuffix("." + $0) }) {
            return domain == "localhost" ? "\(name) is localhost, a loopback name" : "\(name) is in .\(domain), a domain for local networks"
        }
        // `kafka`, `redis`, `ip6-localhost`: names without a dot resolve through search domains, container
        // DNS or /etc/hosts, that is inside the gateway's network.
        if !name.contains(".") { return "\(name) is a single-label name, which resolves only inside a local network" }
        return nil
    }
}
