import AsyncHTTPClient
import Foundation
import NIOCore
import RAGCore

/// Signs and sends one AWS request; the shared piece of the S3 and SQS clients.
struct AWSRequestSender: Sendable {
    let signer: SigV4Signer
    let credentials: any AWSCredentialProvider
    let client: HTTPClient
    var options = SigV4Signer.Options()

    /// `baseURL` is scheme://host[:port]; `path` and `query` are decoded (the signer encodes them).
    func send(
        method: String, baseURL: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        body: Data = Data(), timeout: Duration = .seconds(30)
    ) async throws -> HTTPClientResponse {
        guard let host = URL(string: baseURL)?.host else {
            throw ProviderError(provider: signer.service, message: "bad endpoint \(baseURL)", isRetriable: false)
        }
        let port = URL(string: baseURL)?.port
        let hostHeader = port.map { "\(host):\($0)" } ?? host
        let request = SigV4Signer.Request(method: method, path: path, query: query, headers: [("Host", hostHeader)] + headers, payloadHash: SigV4Signer.hexSHA256(body))
        let signed = signer.signHeaders(request, credentials: try await credentials.credentials(), date: Date(), options: options)
        let encodedPath = path.split(separator: "/", omittingEmptySubsequences: false).map { SigV4Signer.uriEncode(String($0)) }.joined(separator: "/")
        var httpRequest = HTTPClientRequest(url: baseURL + encodedPath + (signed.encodedQuery.isEmpty ? "" : "?" + signed.encodedQuery))
        httpRequest.method = .init(rawValue: method)
        for (name, value) in signed.headers where name.lowercased() != "host" {
            httpRequest.headers.add(name: name, value: value)
        }
        if !body.isEmpty { httpRequest.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            return try await client.execute(httpRequest, timeout: .nanoseconds(Int64(timeout.milliseconds * 1_000_000)))
        } catch {
            throw ProviderError(provider: signer.service, message: "\(method) \(baseURL)\(encodedPath) failed: \(error)", isRetriable: true)
        }
    }

    /// A `ProviderError` from an error answer (S3 XML `<Code>`/`<Message>` or SQS JSON `__type`/`message`).
    static func error(service: String, response: HTTPClientResponse, body: Data, context: String) -> ProviderError {
        let text = String(decoding: body.prefix(2000), as: UTF8.self)
        func tag(_ name: String) -> String? {
            guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return nil }
            return String(text[start.upperBound..<end.lowerBound])
        }
        var code = tag("Code")
        var message = tag("Message")
        if code == nil, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            code = (object["__type"] as? String)?.split(separator: "#").last.map(String.init)
            message = object["message"] as? String ?? object["Message"] as? String
        }
        let status = Int(response.status.code)
        var error = ProviderError.http(
            provider: service, status: status, message: "\(context): \(code ?? "")\(message.map { ": " + $0 } ?? "")",
            retryAfter: response.headers.first(name: "Retry-After")
        )
        // S3 throttles with a 503 SlowDown, but also says so in the code of other answers.
        if !error.isRetriable, code == "SlowDown" || code == "RequestTimeout" {
            error = ProviderError(provider: service, message: error.message, isRetriable: true)
        }
        return error
    }
}
