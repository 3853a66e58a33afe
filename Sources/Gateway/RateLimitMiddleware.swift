import Hummingbird
import NIOCore

/// Per-client rate limits on `/v1/*`, after the API-key check: a client past its token bucket gets 429
/// `rate_limited` with `Retry-After` (whole seconds, at least 1). Every answer that passed the limiter,
/// errors included, carries the RateLimit fields of draft-ietf-httpapi-ratelimit-headers-07, the three
/// separate fields most clients read (not the newer structured `RateLimit`/`RateLimit-Policy` pair):
/// `RateLimit-Limit` (the bucket's size, the burst), `RateLimit-Remaining` (whole requests left now) and
/// `RateLimit-Reset` (seconds until the bucket is full again).
///
/// A client is its API key when keys are configured (the key check ran first, so it is a valid one).
/// Without keys, it is the peer address when the request context carries one
/// (`RemoteAddressRequestContext`): IPv4 by address, IPv6 by /64. The gateway's router uses
/// `BasicRequestContext`, which does not, so without API keys every client shares one bucket per instance:
/// the limit is then the instance's total. Forwarded headers are never trusted: a client would pick its own.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let keyedByAPIKey: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = limiter.acquire(clientKey(request, context: context))
        let fields = decision.headers
        guard decision.allowed else {
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                message: "too many requests: the limit is \(limiter.burst) at once, refilled at \(limiter.rate) per second; retry in \(decision.retryAfter) s",
                headers: fields
            )
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: fields)
            return response
        } catch let error as APIError {
            var headers = error.headers
            headers.append(contentsOf: fields)
            throw APIError(error.status, code: error.code, message: error.message, extra: error.extra, headers: headers)
        }
    }

    func clientKey(_ request: Request, context: Context) -> String {
        if keyedByAPIKey, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            return "key \(authorization.dropFirst("Bearer ".count))"
        }
        if let address = (context as? any RemoteAddressRequestContext)?.remoteAddress, let text = address.ipAddress {
            return "address \(Self.client(ipAddress: text))"
        }
        return "everyone"
    }

    /// An IPv4 client by its address (also when it reaches a dual-stack socket as `::ffff:a.b.c.d`), an
    /// IPv6 client by its /64, which one host or home usually holds whole.
    static func client(ipAddress text: String) -> String {
        guard text.contains(":"), let bytes = URLHost.ipv6Bytes(String(text.prefix { $0 != "%" })) else { return text }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
        }
        return URLHost.ipv6Text(Array(bytes[0..<8]) + [UInt8](repeating: 0, count: 8)) + "/64"
    }
}

extension RateLimiter.Decision {
    /// The RateLimit fields, and `Retry-After` when refused.
    var headers: HTTPFields {
        var fields: HTTPFields = [:]
        fields[.rateLimitLimit] = String(limit)
        fields[.rateLimitRemaining] = String(remaining)
        fields[.rateLimitReset] = String(reset)
        if !allowed { fields[.retryAfter] = String(retryAfter) }
        return fields
    }
}

extension HTTPFields.Element.Name {
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
}
