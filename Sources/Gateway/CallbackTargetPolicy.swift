import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Which callback URLs a gateway will POST to. Refuses targets on loopback, private, link-local and other
/// internal addresses unless the host is allow-listed, so that callbacks cannot probe the network the
/// gateway runs in (DESIGN 6). Hosts are compared in the canonical form of `URLHost`, so `2130706433`,
/// `0x7f.1`, `[::ffff:7f00:1]` and `localhost.` are what they are: loopback.
public struct CallbackTargetPolicy: Sendable {
    /// Allow-listed hosts, canonical: lower-cased, without brackets or a trailing dot, IPv4 as a dotted quad.
    public let allowedHosts: Set<String>

    public init(allowedHosts: Set<String>) {
        self.allowedHosts = Set(allowedHosts.map { entry in (try? URLHost(parsing: entry))?.canonical ?? entry.lowercased() })
    }

    /// At submission: the URL's form (400 `invalid_request`) and its host (422 `callback_not_allowed`).
    /// Literal addresses in any notation and local names are checked here; other names at delivery.
    func validate(_ text: String) throws(APIError) -> URL {
        let callback: CallbackURL
        do {
            callback = try CallbackURL(parsing: text)
        } catch let problem as CallbackURLError {
            throw APIError.invalid("field \"callback_url\" \(problem.reason)")
        } catch {
            throw APIError.invalid("field \"callback_url\" must be an absolute http or https URL")
        }
        if let reason = refusal(of: callback.host) {
            throw APIError(
                .unprocessableContent, code: "callback_not_allowed",
                message: "callback_url host \(callback.host.written) is not allowed: \(reason); use a public host (an operator can allow-list it with RAGLINE_CALLBACK_ALLOWED_HOSTS)"
            )
        }
        return callback.url
    }

    /// Why no callback may go to `host`, or nil; an allow-listed host may always be called.
    func refusal(of host: URLHost) -> String? {
        allowedHosts.contains(host.canonical) ? nil : host.refusal
    }

    /// What a delivery may connect to: the checked address of the URL's host, or the reason it may not.
    public enum Target: Sendable, Equatable {
        /// Connect to `address` (nil: an allow-listed host, resolved as usual by the client).
        case allowed(address: String?)
        case refused(String)
    }

    /// At delivery: reads the URL as `validate` does (a record on `rag.answers` may come from anywhere),
    /// resolves a name on NIO's blocking-I/O thread pool (never on the cooperative pool) and refuses it
    /// when any address is internal and it is not allow-listed. The delivery then connects to the address
    /// checked here, so that a second lookup cannot swap in an internal one (DNS rebinding). A literal in
    /// any notation is its own address and is not looked up.
    public func target(of url: URL) async -> Target {
        let callback: CallbackURL
        do {
            callback = try CallbackURL(parsing: url.absoluteString)
        } catch {
            return .refused("callback URL \(url.absoluteString.prefix(200)) \(error)")
        }
        let host = callback.host
        if allowedHosts.contains(host.canonical) { return .allowed(address: nil) }
        if let refusal = host.refusal { return .refused("callback host \(host.written) is not allowed: \(refusal)") }
        if let literal = host.literal { return .allowed(address: literal) }
        let name = host.written
        let addresses = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(name) }) ?? []
        guard let first = addresses.first else { return .refused("callback host \(name) does not resolve") }
        for address in addresses {
            if let refusal = Self.refusal(ofResolved: address) {
                return .refused("callback host \(name) resolves to internal address \(address): \(refusal)")
            }
        }
        return .allowed(address: first)
    }

    /// The refusal of `target(of:)`, or nil when the URL may be called.
    public func checkResolved(_ url: URL) async -> String? {
        if case .refused(let reason) = await target(of: url) { return reason }
        return nil
    }

    /// Why a resolved address may not be called, or nil. A zone (`fe80::1%eth0`) is dropped before the
    /// check; what does not read as an address at all is refused (fail closed).
    static func refusal(ofResolved address: String) -> String? {
        let bare = String(address.prefix { $0 != "%" })
        guard let host = try? URLHost(parsing: bare), host.literal != nil else { return "\(address) is not an IP address" }
        return host.refusal
    }

    /// True for loopback, private, link-local, CGNAT, unspecified, multicast and reserved addresses; nil
    /// when `host` is not a canonical IP literal (a dotted quad or IPv6 text; `URLHost` reads the other
    /// IPv4 notations).
    static func isInternal(literal host: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return URLHost.internalRange(ipv4: UInt32(bigEndian: v4.s_addr)) != nil
        }
        if let bytes = URLHost.ipv6Bytes(host) {
            return URLHost.internalRange(ipv6: bytes) != nil
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
