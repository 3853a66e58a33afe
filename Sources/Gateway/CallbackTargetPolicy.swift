import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Which callback URLs a gateway will POST to. Refuses targets on loopback, private, link-local and other
/// internal addresses unless the host is allow-listed, so that callbacks cannot probe the network the
/// gateway runs in (DESIGN 6).
public struct CallbackTargetPolicy: Sendable {
    public let allowedHosts: Set<String>

    public init(allowedHosts: Set<String>) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Checks the URL's form and, for literal addresses, the address. Names are checked at delivery.
    func validate(_ text: String) throws(APIError) -> URL {
        guard text.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else { throw .invalid("field \"callback_url\" must be an absolute http or https URL") }
        if url.user != nil || url.password != nil { throw .invalid("field \"callback_url\" must not carry credentials") }
        let normalisedHost = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if !allowedHosts.contains(normalisedHost) {
            if normalisedHost == "localhost" || normalisedHost.hasSuffix(".localhost") || Self.isInternal(literal: normalisedHost) == true {
                throw APIError(.unprocessableContent, code: "callback_not_allowed", message: "callback_url host \(host) is a loopback, private or link-local address")
            }
        }
        return url
    }

    /// What a delivery may connect to: the checked address of the URL's host, or the reason it may not.
    public enum Target: Sendable, Equatable {
        /// Connect to `address` (nil: an allow-listed host, resolved as usual by the client).
        case allowed(address: String?)
        case refused(String)
    }

    /// At delivery: resolves the host on NIO's blocking-I/O thread pool (never on the cooperative pool) and
    /// refuses it when any address is internal and it is not allow-listed. The delivery then connects to the
    /// address checked here, so that a second lookup cannot swap in an internal one (DNS rebinding).
    public func target(of url: URL) async -> Target {
        guard let host = url.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else { return .refused("callback URL has no host") }
        if allowedHosts.contains(host) { return .allowed(address: nil) }
        let addresses: [String]
        if Self.isInternal(literal: host) != nil {
            addresses = [host]
        } else {
            addresses = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(host) }) ?? []
        }
        guard let first = addresses.first else { return .refused("callback host \(host) does not resolve") }
        if let internalAddress = addresses.first(where: { Self.isInternal(literal: $0) == true }) {
            return .refused("callback host \(host) resolves to internal address \(internalAddress)")
        }
        return .allowed(address: first)
    }

    /// The refusal of `target(of:)`, or nil when the URL may be called.
    public func checkResolved(_ url: URL) async -> String? {
        if case .refused(let reason) = await target(of: url) { return reason }
        return nil
    }

    /// True for loopback, private, link-local, CGNAT, unspecified and multicast addresses; nil when
    /// `host` is not an IP literal.
    static func isInternal(literal host: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            let a = value >> 24, b = (value >> 16) & 0xff
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b))
                || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b)) || a >= 224
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true } // :: and ::1
            if bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80 { return true } // fe80::/10
            if (bytes[0] & 0xfe) == 0xfc { return true } // fc00::/7
            if bytes[0] == 0xff { return true } // multicast
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return isInternal(literal: "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])")
            }
            return false
        }
        return nil
    }

    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
