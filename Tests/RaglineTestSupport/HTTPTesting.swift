import AsyncHTTPClient
import Foundation
import NIOCore

/// A small JSON-over-HTTP client for tests against real sockets.
public struct TestHTTP: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        public let headers: [(String, String)]

        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func post(_ path: String, json: [String: Any], headers: [String: String] = [:]) async throws -> Reply {
        try await post(path, raw: JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    public func post(_ path: String, raw: Data, headers: [String: String] = ["Content-Type": "application/json"]) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        if headers["Content-Type"] == nil { request.headers.add(name: "Content-Type", value: "application/json") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: raw))
        return try await execute(request)
    }

    public func get(_ path: String) async throws -> Reply {
        try await execute(HTTPClientRequest(url: baseURL + path))
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 8 << 20)
        return Reply(status: Int(response.status.code), body: Data(buffer: body), headers: response.headers.map { ($0.name, $0.value) })
    }
}
