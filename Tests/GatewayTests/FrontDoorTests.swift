import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Messaging
import RAGCore
import RaglineTestSupport
import Testing

/// One request to the gateway's front door and what it must answer: a status, a JSON error `code` and,
/// for a 405, the `Allow` header. The gateway is not ready (no Kafka), so a request that passes every
/// check is refused last with 503 `not_ready`: in this table that status means "validation passed".
struct FrontDoorCase: Sendable, CustomTestStringConvertible {
    let name: String
    var method: HTTPRequest.Method = .post
    var path = "/v1/questions"
    var headers: HTTPFields = [.contentType: "application/json"]
    var body: String?
    let status: HTTPResponse.Status
    let code: String
    var allow: String?

    var testDescription: String { name }

    /// `POST /v1/questions` with a valid question and `callback_url`.
    static func callback(_ url: String, _ status: HTTPResponse.Status, _ code: String) -> FrontDoorCase {
        FrontDoorCase(name: "callback_url \(url.prefix(80))", body: json(["question": "Can I bring my bike?", "callback_url": url]), status: status, code: code)
    }

    /// A JSON body, as given, to `path`.
    static func raw(_ name: String, _ body: String, _ status: HTTPResponse.Status, _ code: String, path: String = "/v1/questions") -> FrontDoorCase {
        FrontDoorCase(name: name, path: path, body: body, status: status, code: code)
    }

    /// A body that is `fields` as JSON.
    static func fields(_ name: String, _ fields: [String: Any], _ status: HTTPResponse.Status, _ code: String, path: String = "/v1/questions") -> FrontDoorCase {
        raw(name, json(fields), status, code, path: path)
    }

    /// A request without a body.
    static func route(_ method: HTTPRequest.Method, _ path: String, _ status: HTTPResponse.Status, _ code: String, allow: String? = nil) -> FrontDoorCase {
        FrontDoorCase(name: "\(method.rawValue) \(path)", method: method, path: path, headers: [:], status: status, code: code, allow: allow)
    }

    /// A valid question sent with `Content-Type: type` (nil: without the header).
    static func contentType(_ type: String?, _ status: HTTPResponse.Status, _ code: String) -> FrontDoorCase {
        var headers: HTTPFields = [:]
        if let type { headers[.contentType] = type }
        return FrontDoorCase(name: "Content-Type \(type ?? "(none)")", headers: headers, body: #"{"question":"Can I bring my bike?"}"#, status: status, code: code)
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

private let notAllowed = "callback_not_allowed"
private let invalid = "invalid_request"
private let passed = "not_ready"

@Suite struct FrontDoorTests {
    let configuration: GatewayConfiguration

    init() {
        configuration = GatewayConfiguration()
    }

    /// Every case, in groups (small literals keep type checking quick).
    static let cases = callbackCases + routeCases + contentTypeCases + questionCases

    static let overlongURL = "https://example.com/" + String(repeating: "a", count: 2_100)

    static let callbackCases: [FrontDoorCase] = [
        // Loopback, private, link-local, CGNAT and unspecified IPv4 in every notation a URL parser or inet_aton reads.
        .callback("http://2130706433/hook", .unprocessableContent, notAllowed),
        .callback("http://0x7f000001/hook", .unprocessableContent, notAllowed),
        .callback("http://0x7f.0.0.1/hook", .unprocessableContent, notAllowed),
        .callback("http://0X7F.1/hook", .unprocessableContent, notAllowed),
        .callback("http://0177.0.0.1/hook", .unprocessableContent, notAllowed),
        .callback("http://017700000001/hook", .unprocessableContent, notAllowed),
        .callback("http://127.1/hook", .unprocessableContent, notAllowed),
        .callback("http://10.1/hook", .unprocessableContent, notAllowed),
        .callback("http://0/hook", .unprocessableContent, notAllowed),
        .callback("http://0.0.0.0:8080/hook", .unprocessableContent, notAllowed),
        .callback("http://0xa9.254.0251.254/latest/meta-data/", .unprocessableContent, notAllowed),
        .callback("http://100.64.0.1/hook", .unprocessableContent, notAllowed),
        .callback("http://192.168.1.1:8080/hook", .unprocessableContent, notAllowed),
        .callback("http://127.0.0.1./hook", .unprocessableContent, notAllowed),
        // IPv6: loopback, ULA, link-local, and IPv4 inside IPv6.
        .callback("http://[::1]:8080/hook", .unprocessableContent, notAllowed),
        .callback("http://[0:0:0:0:0:0:0:1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[::ffff:127.0.0.1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[::FFFF:7f00:1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[::127.0.0.1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[64:ff9b::a9fe:a9fe]/hook", .unprocessableContent, notAllowed),
        .callback("http://[fd12:3456::1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[fe80::1]/hook", .unprocessableContent, notAllowed),
        .callback("http://[fe80::1%25eth0]/hook", .badRequest, invalid),
        // Local names, trailing dots included.
        .callback("http://localhost./hook", .unprocessableContent, notAllowed),
        .callback("http://foo.localhost./hook", .unprocessableContent, notAllowed),
        .callback("http://api.LOCALHOST/hook", .unprocessableContent, notAllowed),
        .callback("http://kafka:9092/hook", .unprocessableContent, notAllowed),
        .callback("http://metadata.google.internal/computeMetadata/v1/", .unprocessableContent, notAllowed),
        // Credentials and '@' tricks, backslashes, bad schemes and forms.
        .callback("https://user:pw@example.com/hook", .badRequest, invalid),
        .callback("http://example.com@127.0.0.1/hook", .badRequest, invalid),
        .callback("http://127.0.0.1:80@example.com/hook", .badRequest, invalid),
        .callback("http://example.com\\@127.0.0.1/hook", .badRequest, invalid),
        .callback("ftp://example.com/hook", .badRequest, invalid),
        .callback("file:///etc/passwd", .badRequest, invalid),
        .callback("javascript:alert(1)", .badRequest, invalid),
        .callback("//example.com/hook", .badRequest, invalid),
        .callback("http:/example.com/hook", .badRequest, invalid),
        .callback("", .badRequest, invalid),
        .callback("http://256.0.0.1/hook", .badRequest, invalid),
        .callback("http://1.2.3.4.5/hook", .badRequest, invalid),
        .callback("http://%31%32%37.0.0.1/hook", .badRequest, invalid),
        .callback("http://exa mple.com/hook", .badRequest, invalid),
        .callback("http://example.com/\u{0}hook", .badRequest, invalid),
        .callback("http://bücher.example/hook", .badRequest, invalid),
        .callback("http://example.com:/hook", .badRequest, invalid),
        .callback("http://example.com:99999/hook", .badRequest, invalid),
        .callback(overlongURL, .badRequest, invalid),
        .fields("callback_url that is not a string", ["question": "Can I bring my bike?", "callback_url": 42], .badRequest, invalid),
        .fields("callback_url on /v1/chat", ["question": "Can I bring my bike?", "callback_url": "https://example.com/hook"], .badRequest, invalid, path: "/v1/chat"),
        // Public hosts pass, in any notation.
        .callback("https://example.com/hook", .serviceUnavailable, passed),
        .callback("HTTPS://Example.COM:443/hook", .serviceUnavailable, passed),
        .callback("https://example.com./hook", .serviceUnavailable, passed),
        .callback("http://0x08080808/hook", .serviceUnavailable, passed),
        .callback("http://[2001:db8::1]:8443/hook", .serviceUnavailable, passed),
    ]

    static let routeCases: [FrontDoorCase] = [
        // Unknown paths and wrong methods.
        .route(.get, "/nope", .notFound, "not_found"),
        .route(.post, "/", .methodNotAllowed, "method_not_allowed", allow: "GET"),
        .route(.delete, "/openapi.json", .methodNotAllowed, "method_not_allowed", allow: "GET"),
        .route(.post, "/v1", .notFound, "not_found"),
        .route(.get, "/v1/questions/a/b", .notFound, "not_found"),
        .route(.get, "/v1/questions/0123abcd-0000-0000-0000-000000000000", .notFound, "not_found"),
        .route(.get, "/v1/questions/not-an-id!", .badRequest, invalid),
        .route(.delete, "/v1/chat", .methodNotAllowed, "method_not_allowed", allow: "POST"),
        .route(.get, "/v1/chat", .methodNotAllowed, "method_not_allowed", allow: "POST"),
        .route(.get, "/v1/questions", .methodNotAllowed, "method_not_allowed", allow: "POST"),
        .route(.put, "/v1/questions/abc", .methodNotAllowed, "method_not_allowed", allow: "GET"),
        .route(.post, "/healthz", .methodNotAllowed, "method_not_allowed", allow: "GET"),
        .route(.patch, "/readyz", .methodNotAllowed, "method_not_allowed", allow: "GET"),
        .route(HTTPRequest.Method("PURGE")!, "/metrics", .methodNotAllowed, "method_not_allowed", allow: "GET"),
    ]

    static let contentTypeCases: [FrontDoorCase] = [
        // Content types: application/json with parameters, any case; nothing else.
        .contentType("text/plain", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("application/jsonp", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("application/json-seq", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("application/x-www-form-urlencoded", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("application/json; charset=iso-8859-1", .unsupportedMediaType, "unsupported_media_type"),
        .contentType("application/json; charset=utf-8", .serviceUnavailable, passed),
        .contentType("Application/JSON;Charset=\"UTF-8\"", .serviceUnavailable, passed),
        .contentType("application/json ; boundary=unused", .serviceUnavailable, passed),
        .contentType(nil, .serviceUnavailable, passed),
    ]

    static let questionCases: [FrontDoorCase] = [
        // Questions: control characters, emptiness, types, sizes.
        .fields("question with NUL", ["question": "Can I\u{0} bring my bike?"], .badRequest, invalid),
        .fields("question with ESC", ["question": "\u{1B}[31mCan I bring my bike?"], .badRequest, invalid),
        .fields("question with DEL", ["question": "Can I\u{7F} bring my bike?"], .badRequest, invalid),
        .fields("question with a C1 control", ["question": "Can I\u{85} bring my bike?"], .badRequest, invalid),
        .fields("question with NUL on /v1/chat", ["question": "Can I\u{0} bring my bike?"], .badRequest, invalid, path: "/v1/chat"),
        .fields("question with tab, newline and CR", ["question": "Can I bring my bike?\r\nAnd\ta trailer?"], .serviceUnavailable, passed),
        .fields("empty question", ["question": ""], .badRequest, invalid),
        .fields("blank question", ["question": " \n\t "], .badRequest, invalid),
        .fields("question that is a number", ["question": 42], .badRequest, invalid),
        .fields("question that is null", ["question": NSNull()], .badRequest, invalid),
        .fields("question that is a list", ["question": ["Can I bring my bike?"]], .badRequest, invalid),
        .fields("no question", ["namespace": "transport"], .badRequest, invalid),
        .fields("top_k that is a string", ["question": "Can I bring my bike?", "top_k": "3"], .badRequest, invalid),
        .fields("top_k that is not whole", ["question": "Can I bring my bike?", "top_k": 2.5], .badRequest, invalid),
        .fields("top_k 0", ["question": "Can I bring my bike?", "top_k": 0], .badRequest, invalid),
        .fields("namespace that is a number", ["question": "Can I bring my bike?", "namespace": 7], .badRequest, invalid),
        .fields("namespace with a path", ["question": "Can I bring my bike?", "namespace": "../etc"], .badRequest, invalid),
        .raw("body that is a list", "[1, 2]", .badRequest, invalid),
        .raw("body that is a string", #""Can I bring my bike?""#, .badRequest, invalid),
        .raw("body that is not JSON", "{not json", .badRequest, invalid),
        .raw("empty body", "", .badRequest, invalid),
        .fields("question over RAGLINE_MAX_QUESTION_CHARS", ["question": String(repeating: "a", count: 2_001)], .contentTooLarge, "question_too_long"),
        .fields("body over RAGLINE_MAX_BODY_BYTES", ["question": String(repeating: "a", count: 70_000)], .contentTooLarge, "body_too_large"),
    ]

    @Test(arguments: FrontDoorTests.cases)
    func answersWithItsStatusAndAJSONErrorCode(_ example: FrontDoorCase) async throws {
        let app = Application(router: GatewayRouterTests.router(configuration: configuration))
        let response = try await app.test(.router) { client in
            try await client.execute(uri: example.path, method: example.method, headers: example.headers, body: example.body.map { ByteBuffer(string: $0) })
        }
        #expect(response.status == example.status, "\(String(buffer: response.body))")
        #expect(response.headers[.contentType] == "application/json")
        let error = try Self.error(in: response)
        #expect(error.code == example.code, "\(error.message)")
        #expect(!error.message.isEmpty)
        if let allow = example.allow {
            #expect(response.headers[.allow] == allow)
        }
    }

    @Test func theRequestPastTheBurstGets429WithRetryAfterAndRateLimitFields() async throws {
        var configuration = self.configuration
        configuration.rateLimitPerSecond = 0.01
        configuration.rateLimitBurst = 2
        let app = Application(router: GatewayRouterTests.router(configuration: configuration))
        let question = ByteBuffer(string: #"{"question":"Can I bring my bike?"}"#)
        try await app.test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/json"]
            for remaining in ["1", "0"] {
                let allowed = try await client.execute(uri: "/v1/questions", method: .post, headers: headers, body: question)
                // Past the limiter and validation: refused only because the gateway is not ready.
                #expect(allowed.status == .serviceUnavailable)
                #expect(allowed.headers[.rateLimitLimit] == "2")
                #expect(allowed.headers[.rateLimitRemaining] == remaining)
                #expect(allowed.headers[.rateLimitReset] != nil)
            }
            let refused = try await client.execute(uri: "/v1/questions", method: .post, headers: headers, body: question)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] == "application/json")
            #expect(try Self.error(in: refused).code == "rate_limited")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(refused.headers[.rateLimitLimit] == "2")
            #expect(refused.headers[.rateLimitRemaining] == "0")
            #expect((refused.headers[.rateLimitReset].flatMap { Int($0) } ?? 0) >= 1)
            // Polling is `/v1/*` too; health and metrics are not limited.
            let poll = try await client.execute(uri: "/v1/questions/0123abcd", method: .get)
            #expect(poll.status == .tooManyRequests)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.headers[.rateLimitLimit] == nil)
        }
    }

    @Test func eachAPIKeyHasItsOwnBucketAndRequestsWithoutAValidKeyCostNothing() async throws {
        var configuration = self.configuration
        configuration.apiKeys = ["k1", "k2"]
        configuration.rateLimitPerSecond = 0.01
        configuration.rateLimitBurst = 1
        let app = Application(router: GatewayRouterTests.router(configuration: configuration))
        let question = ByteBuffer(string: #"{"question":"Can I bring my bike?"}"#)
        try await app.test(.router) { client in
            for _ in 0..<3 {
                let anonymous = try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json"], body: question)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.rateLimitLimit] == nil)
            }
            let first = try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer k1"], body: question)
            #expect(first.status == .serviceUnavailable)
            let again = try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer k1"], body: question)
            #expect(again.status == .tooManyRequests)
            let other = try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer k2"], body: question)
            #expect(other.status == .serviceUnavailable)
            #expect(other.headers[.rateLimitRemaining] == "0")
        }
    }

    @Test func aValidQuestionWithAPublicCallbackIsPublished() async throws {
        let readiness = Readiness()
        readiness.markReady()
        let bus = InMemoryBus()
        let app = Application(router: GatewayRouterTests.router(configuration: configuration, readiness: readiness, bus: bus))
        let body = FrontDoorCase.json(["question": "Can I bring my bike?\nAnd a trailer?", "callback_url": "https://hooks.example.com:8443/ragline?team=7"])
        let response = try await app.test(.router) { client in
            try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json; charset=UTF-8"], body: ByteBuffer(string: body))
        }
        #expect(response.status == .accepted, "\(String(buffer: response.body))")
        let published = bus.records(in: [Topics.questions])
        #expect(published.count == 1)
        let record = String(decoding: published.first?.value ?? Data(), as: UTF8.self)
        #expect(record.contains("hooks.example.com"))
    }

    static func error(in response: TestResponse) throws -> (code: String, message: String) {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        return (error?["code"] as? String ?? "", error?["message"] as? String ?? "")
    }
}

/// `URLHost` reads every notation into one canonical form, and the policy classifies that form.
@Suite struct URLHostTests {
    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0x7F.0.0.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("1.2.3", "1.2.0.3"), ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"), ("127.0.0.1.", "127.0.0.1"), ("0xa9.254.0251.254", "169.254.169.254"), ("LocalHost.", "localhost"),
        ("[::FFFF:7F00:1]", "::ffff:7f00:1"), ("::ffff:127.0.0.1", "::ffff:7f00:1"), ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("fe80:0:0:0:0:0:0:0", "fe80::"), ("Example.COM", "example.com"),
    ] as [(String, String)])
    func readsEveryNotationIntoOneForm(host: String, canonical: String) throws {
        #expect(try URLHost(parsing: host).canonical == canonical)
    }

    @Test(arguments: [
        "256.1.1.1", "1.256.1.1", "1.2.3.4.5", "09.1.1.1", "4294967296", "0x100000000", "1.2.65536", "a..b", "", ".", "..",
        "exa mple.com", "[fe80::1%eth0]", "[::1", "::g", "bücher.example", "-\u{0}",
    ])
    func refusesWhatIsNeitherAnAddressNorAName(host: String) {
        #expect(throws: CallbackURLError.self) { try URLHost(parsing: host) }
    }

    @Test(arguments: [
        ("2130706433", true), ("0x08080808", false), ("100.64.1.1", true), ("100.128.0.1", false), ("198.18.0.1", true),
        ("[64:ff9b::a9fe:a9fe]", true), ("[64:ff9b::808:808]", false), ("[2002:7f00:1::]", true), ("[2002:808:808::]", false),
        ("[::127.0.0.1]", true), ("[fec0::1]", true), ("[ff02::1]", true), ("[2001:db8::1]", false),
        ("localhost", true), ("a.b.localhost.", true), ("printer.local", true), ("metadata.google.internal", true),
        ("router.home.arpa", true), ("kafka", true), ("example.com", false), ("example.com.", false),
    ] as [(String, Bool)])
    func refusesInternalHosts(host: String, refused: Bool) throws {
        #expect(try (URLHost(parsing: host).refusal != nil) == refused)
    }
}

@Suite struct CallbackPolicyNotationTests {
    let strict = CallbackTargetPolicy(allowedHosts: [])

    @Test func literalsInAnyNotationAreCheckedAtDeliveryWithoutALookup() async throws {
        let loopback = try #require(URL(string: "http://2130706433:9/hook"))
        if case .allowed = await strict.target(of: loopback) { Issue.record("2130706433 is 127.0.0.1") }
        let mapped = try #require(URL(string: "http://[::ffff:7f00:1]/hook"))
        if case .allowed = await strict.target(of: mapped) { Issue.record("::ffff:7f00:1 is 127.0.0.1") }
        let hex = try #require(URL(string: "http://0x08080808/hook"))
        #expect(await strict.target(of: hex) == .allowed(address: "8.8.8.8"))
        let credentials = try #require(URL(string: "http://user@example.com/hook"))
        #expect(await strict.checkResolved(credentials) != nil)
    }

    @Test func theAllowListIsReadInTheSameForm() async throws {
        let relaxed = CallbackTargetPolicy(allowedHosts: ["127.0.0.1", "Hooks.Internal."])
        #expect(throws: Never.self) { try relaxed.validate("http://2130706433:8080/hook") }
        #expect(throws: Never.self) { try relaxed.validate("http://0x7f.1/hook") }
        #expect(throws: Never.self) { try relaxed.validate("https://hooks.internal/hook") }
        #expect(throws: APIError.self) { try relaxed.validate("http://10.0.0.1/hook") }
        let short = try #require(URL(string: "http://127.1/hook"))
        #expect(await relaxed.target(of: short) == .allowed(address: nil))
    }

    @Test func resolvedAddressesAreClassifiedWithoutTheirZone() {
        #expect(CallbackTargetPolicy.refusal(ofResolved: "fe80::1%eth0") != nil)
        #expect(CallbackTargetPolicy.refusal(ofResolved: "10.0.0.7") != nil)
        #expect(CallbackTargetPolicy.refusal(ofResolved: "::ffff:169.254.169.254") != nil)
        #expect(CallbackTargetPolicy.refusal(ofResolved: "93.184.216.34") == nil)
        #expect(CallbackTargetPolicy.refusal(ofResolved: "2606:2800:220:1:248:1893:25c8:1946") == nil)
        #expect(CallbackTargetPolicy.refusal(ofResolved: "not an address") != nil)
    }
}

@Suite struct RateLimiterTests {
    @Test func bucketsRefillAtTheRate() {
        let limiter = RateLimiter(rate: 1, burst: 2, capacity: 100)
        let start = ContinuousClock.now
        #expect(limiter.acquire("a", now: start) == RateLimiter.Decision(allowed: true, limit: 2, remaining: 1, reset: 1, retryAfter: 0))
        #expect(limiter.acquire("a", now: start) == RateLimiter.Decision(allowed: true, limit: 2, remaining: 0, reset: 2, retryAfter: 0))
        #expect(limiter.acquire("a", now: start) == RateLimiter.Decision(allowed: false, limit: 2, remaining: 0, reset: 2, retryAfter: 1))
        #expect(limiter.acquire("b", now: start).allowed, "another client has a bucket of its own")
        #expect(!limiter.acquire("a", now: start + .milliseconds(500)).allowed)
        #expect(limiter.acquire("a", now: start + .seconds(1)).allowed)
    }

    @Test func fullBucketsAreForgottenFirstAndTheCountIsBounded() {
        let limiter = RateLimiter(rate: 1, burst: 2, capacity: 2)
        let start = ContinuousClock.now
        _ = limiter.acquire("busy", now: start)
        _ = limiter.acquire("busy", now: start)
        _ = limiter.acquire("idle", now: start)
        // One second on, "idle" is full again and goes; "busy" keeps its state.
        _ = limiter.acquire("new", now: start + .seconds(1))
        #expect(limiter.count == 2)
        #expect(limiter.acquire("busy", now: start + .seconds(1)).remaining == 0)
        for client in 0..<100 { _ = limiter.acquire("client \(client)", now: start + .seconds(1)) }
        #expect(limiter.count <= 2)
    }

    @Test func theBurstDefaultsToTwiceTheRate() {
        var configuration = GatewayConfiguration()
        configuration.rateLimitPerSecond = 2.5
        #expect(configuration.effectiveRateLimitBurst == 5)
        configuration.rateLimitPerSecond = 0.1
        #expect(configuration.effectiveRateLimitBurst == 1)
        configuration.rateLimitBurst = 7
        #expect(configuration.effectiveRateLimitBurst == 7)
    }

    @Test func clientsAreIPv4AddressesAndIPv6Slash64s() {
        #expect(RateLimitMiddleware<BasicRequestContext>.client(ipAddress: "203.0.113.9") == "203.0.113.9")
        #expect(RateLimitMiddleware<BasicRequestContext>.client(ipAddress: "::ffff:192.0.2.7") == "192.0.2.7")
        #expect(RateLimitMiddleware<BasicRequestContext>.client(ipAddress: "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
    }
}
