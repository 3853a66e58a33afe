import ArgumentParser
import AsyncHTTPClient

/// `ragline health`: exits 0 when the URL answers 2xx (the container HEALTHCHECK; the image has no curl).
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a health endpoint (exit 0 when it answers 2xx).")
    @Option(help: "URL to check.") var url = "http://127.0.0.1:8080/healthz"

    func run() async throws {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(3))
        guard (200..<300).contains(response.status.code) else { throw ExitCode(1) }
    }
}
