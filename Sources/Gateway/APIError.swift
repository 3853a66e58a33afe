import Foundation
import Hummingbird

/// An API error: its HTTP status and a `{"error": {"code", "message"}}` body a client can act on.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra top-level fields, e.g. the question id of a 504.
    public let extra: [String: String]
    /// Extra response headers, e.g. `Retry-After` of a 503 or 429, `Allow` of a 405.
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, extra: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var object: [String: Any] = ["error": ["code": code, "message": message]]
        for (key, value) in extra { object[key] = value }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_request", message: message)
    }
}
