import Foundation

/// A callback URL read strictly, so that every parser that may meet it (Foundation's, which
/// AsyncHTTPClient uses to deliver; WHATWG's; curl's) finds the same scheme, host and port: ASCII only,
/// `http` or `https` followed by `//`, no credentials, no backslash, a host of letters, digits, `-`, `_`
/// and `.` or a bracketed IPv6 address, and a port of 1-65535. Anything else is malformed rather than
/// guessed at.
struct CallbackURL: Sendable {
    static let maxLength = 2048

    let url: URL
    let host: URLHost
    let port: Int?

    /// Throws `CallbackURLError.malformed` with a reason that completes "field callback_url ...".
    init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxLength else { throw CallbackURLError.malformed("is longer than \(Self.maxLength) bytes") }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5c: throw CallbackURLError.malformed("must not contain a backslash (parsers disagree on whether it ends the host)")
            case 0x21...0x7e: continue
            case 0x80...: throw CallbackURLError.malformed("must be ASCII; percent-encode the path and write an international host name in its xn-- form")
            default: throw CallbackURLError.malformed("must not contain spaces or control characters")
            }
        }
        guard let colon = text.firstIndex(of: ":") else { throw CallbackURLError.malformed("must be an absolute http or https URL") }
        let scheme = text[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw CallbackURLError.malformed("must be an absolute http or https URL, not \(scheme.prefix(32)):")
        }
        let rest = text[text.index(after: colon)...]
        guard rest.hasPrefix("//") else { throw CallbackURLError.malformed("must be an absolute http or https URL (\(scheme)://host/path)") }
        let authority = rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // `http://example.com@127.0.0.1/` goes to 127.0.0.1: refuse any userinfo, whatever it looks like.
        guard !authority.contains("@") else { throw CallbackURLError.malformed("must not carry credentials (user:password@ or any @ before the host)") }

        let hostText: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw CallbackURLError.malformed("has an unclosed [ in its host") }
            hostText = authority[authority.startIndex...close]
            let tail = authority[authority.index(after: close)...]
            guard tail.isEmpty || tail.hasPrefix(":") else { throw CallbackURLError.malformed("has characters after its IPv6 address") }
            portText = tail.isEmpty ? nil : tail.dropFirst()
            guard hostText.contains(":") else { throw CallbackURLError.malformed("may put only an IPv6 address in brackets") }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CallbackURLError.malformed("has more than one ':' in its host and port (bracket an IPv6 address)") }
            hostText = pieces[0]
            portText = pieces.count == 2 ? pieces[1] : nil
            if let bad = hostText.first(where: { !URLHost.isNameCharacter($0) && $0 != "." }) {
                throw CallbackURLError.malformed(
                    bad == "%" ? "must not percent-encode its host" : "has \"\(bad)\" in its host; a host has only letters, digits, '-', '_' and '.'"
                )
            }
        }
        guard !hostText.isEmpty else { throw CallbackURLError.malformed("has no host") }
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(portText), (1...65535).contains(number) else {
                throw CallbackURLError.malformed("has an invalid port (1-65535)")
            }
            port = number
        } else {
            port = nil
        }
        host = try URLHost(parsing: String(hostText))

        // What delivery will use: Foundation must read the same URL.
        guard let url = URL(string: text) else { throw CallbackURLError.malformed("is not a valid URL") }
        var foundationHost = url.host?.lowercased() ?? ""
        if foundationHost.hasPrefix("[") && foundationHost.hasSuffix("]") { foundationHost = String(foundationHost.dropFirst().dropLast()) }
        guard url.scheme?.lowercased() == scheme, foundationHost == host.written, url.user == nil, url.password == nil, url.port == port else {
            throw CallbackURLError.malformed("is ambiguous: URL parsers disagree about its host or port")
        }
        self.url = url
    }
}

/// Why a callback URL cannot be used: `malformed` URLs are 400 `invalid_request` at submission, hosts the
/// policy refuses 422 `callback_not_allowed`; at delivery both are dead-lettered with the reason.
struct CallbackURLError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case malformed, notAllowed
    }

    let kind: Kind
    let reason: String

    static func malformed(_ reason: String) -> CallbackURLError { CallbackURLError(kind: .malformed, reason: reason) }
    static func notAllowed(_ reason: String) -> CallbackURLError { CallbackURLError(kind: .notAllowed, reason: reason) }

    var description: String { reason }
}
