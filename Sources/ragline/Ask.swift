import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `ragline ask "question"`: asks a running gateway and prints the answer.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask a running gateway a question.")

    @Argument(help: "The question.") var question: String
    @Option(help: "Gateway base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Search only this namespace.") var namespace: String?
    @Option(help: "API key, if the gateway requires one.") var apiKey: String?

    func run() async throws {
        var body: [String: Any] = ["question": question]
        if let namespace { body["namespace"] = namespace }
        var request = HTTPClientRequest(url: url + "/v1/chat")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        print(String(buffer: bytes))
        if response.status.code >= 400 { throw ExitCode(1) }
    }
}
