import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Testing

/// The web chat page and the OpenAPI document the gateway serves beside its API.
struct StaticDocumentsTests {
    @Test func theChatPageIsServedWithAPolicyThatKeepsItOnItsOwnOrigin() async throws {
        let app = Application(router: GatewayRouterTests.router())
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
            let page = String(buffer: response.body)
            #expect(page.contains("<title>") && page.contains("/chat"))
            // Offline: nothing is loaded from elsewhere (SVG's namespace name is an identifier, not a request).
            let elsewhere = page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!elsewhere.contains("http://") && !elsewhere.contains("https://"), "the page names another origin")
        }
    }

    @Test func headOfAGetRouteAnswersLikeTheGet() async throws {
        let app = Application(router: GatewayRouterTests.router())
        try await app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .head)
            #expect(health.status == .ok)
            let document = try await client.execute(uri: "/openapi.json", method: .head)
            #expect(document.status == .ok)
        }
    }

    /// The document is written by hand, so this keeps it equal to the routes the router adds.
    @Test func theOpenAPIDocumentDescribesExactlyTheRoutes() async throws {
        let app = Application(router: GatewayRouterTests.router())
        let body = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get)
        }
        #expect(body.headers[.contentType] == "application/json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body.body)) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        let documented = Set(paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
        let routed = Set(GatewayService.routes.routes.map { route in
            let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
        #expect(documented == routed, "only documented: \(documented.subtracting(routed).sorted()); only routed: \(routed.subtracting(documented).sorted())")
    }
}

/// `Accept` asks for a stream only with a `text/event-stream` range whose quality is not 0.
struct AcceptHeaderTests {
    @Test(arguments: [
        ("text/event-stream", true), ("Text/Event-Stream", true), ("application/json, text/event-stream;q=0.5", true),
        ("text/event-stream; charset=utf-8", true), ("text/event-stream;q=0", false), ("text/event-stream; q=0.0", false),
        ("application/json", false), ("*/*", false), ("", false),
    ])
    func eventStreamIsAskedFor(accept: String, expected: Bool) {
        #expect(GatewayService.accepts(eventStream: accept) == expected)
    }
}
