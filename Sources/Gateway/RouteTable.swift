import Hummingbird

/// The paths a router serves and the methods of each, matched as Hummingbird's trie matches them:
/// segments split on `/` (empty ones ignored), compared case-sensitively, `:name` matching any one segment.
/// `JSONErrorMiddleware` reads it to tell an unknown path (404) from a known one asked with another
/// method (405 and `Allow`).
struct RouteTable: Sendable {
    struct Route: Sendable {
        let segments: [String]
        let method: HTTPRequest.Method
        let path: String
    }

    let routes: [Route]

    init(_ routes: [(HTTPRequest.Method, String)]) {
        self.routes = routes.map { Route(segments: $0.1.split(separator: "/").map(String.init), method: $0.0, path: $0.1) }
    }

    /// The methods `path` answers, in the table's order; empty when no route has the path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for route in routes where Self.matches(route.segments, segments) && !methods.contains(route.method) {
            methods.append(route.method)
        }
        return methods
    }

    /// `GET /healthz, POST /v1/chat, ...`: what a 404 tells the client the API has.
    var summary: String {
        routes.map { "\($0.method.rawValue) \($0.path)" }.joined(separator: ", ")
    }

    static func matches(_ pattern: [String], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
