import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAICompatible

/// `ragline ask "question"`: asks a running gateway and prints the answer for a person to read (or, with
/// `--json`, the body as it is).
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask a running gateway a question.")

    @Argument(help: "The question.") var question: String
    @Option(help: "Gateway base URL (default: RAGLINE_URL, else http://127.0.0.1:$RAGLINE_PORT, port 8080 by default).") var url: String?
    @Option(help: "Search only this namespace.") var namespace: String?
    @Option(help: "API key, if the gateway requires one (default: the first of RAGLINE_API_KEYS).") var apiKey: String?
    @Flag(help: "Print the answer's JSON body on one line, as the gateway sent it (with --stream: each event on a line of its own).") var json = false
    @Flag(help: "Print the answer as the model writes it (server-sent events), then its references.") var stream = false

    /// `--url`, else `RAGLINE_URL`, else the local gateway on `RAGLINE_PORT`.
    static func baseURL(_ option: String?, environment: [String: String]) -> String {
        if let option { return option }
        if let url = environment["RAGLINE_URL"], !url.isEmpty { return url }
        return "http://127.0.0.1:\(environment["RAGLINE_PORT"] ?? "8080")"
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = Self.baseURL(url, environment: environment).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let key = apiKey ?? environment["RAGLINE_API_KEYS"]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        var body: [String: Any] = ["question": question]
        if let namespace { body["namespace"] = namespace }
        if stream { body["stream"] = true }
        var request = HTTPClientRequest(url: base + "/v1/chat")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        } catch {
            FileHandle.standardError.write(Data("ragline ask: no gateway answers at \(base) (\(Self.reason(error))); start one with `ragline dev`, or point --url / RAGLINE_URL / RAGLINE_PORT at yours\n".utf8))
            throw ExitCode(2)
        }
        let status = response.status.code
        if stream, status == 200, response.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true {
            try await printStream(response.body)
            return
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        if json {
            print(String(buffer: bytes))
        } else {
            print(Self.readable(Data(buffer: bytes), status: status))
        }
        if status >= 400 { throw ExitCode(1) }
    }

    /// Deltas as they arrive, then the answer's references and timing; `--json` prints each event as it came.
    func printStream(_ body: HTTPClientResponse.Body) async throws {
        var parser = ServerSentEventParser()
        var failed = false
        func show(_ event: ServerSentEventParser.Event) {
            if json {
                let line = ["event": event.name, "data": (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) ?? event.data] as [String: Any]
                print(String(decoding: (try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(), as: UTF8.self))
                return
            }
            let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] ?? [:]
            switch event.name {
            case "delta":
                FileHandle.standardOutput.write(Data((object["text"] as? String ?? "").utf8))
            case "answer":
                print("")
                print(Self.details(object))
                failed = (object["status"] as? String).map { ["failed", "expired"].contains($0) } ?? true
            case "error":
                print("")
                print(Self.readable(Data(event.data.utf8), status: 200))
                failed = true
            default:
                break // references come again with the answer
            }
        }
        for try await buffer in body {
            parser.feed(buffer.readableBytesView).forEach(show)
        }
        parser.finish().forEach(show)
        if failed { throw ExitCode(1) }
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("refused") { return "connection refused" }
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") { return "timed out" }
        return text.prefix(120).description
    }

    /// The answer, its references and its timing, or the error, as a person reads them in a terminal.
    static func readable(_ body: Data, status: UInt) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return "HTTP \(status): \(String(decoding: body.prefix(500), as: UTF8.self))"
        }
        if let error = object["error"] as? [String: Any] {
            return "error \(status) \(error["code"] ?? ""): \(error["message"] ?? "")"
        }
        return (object["answer"] as? String ?? "") + "\n" + details(object)
    }

    /// What follows the answer's text: its references, its status and its timing.
    static func details(_ object: [String: Any]) -> String {
        var lines: [String] = []
        let answerStatus = object["status"] as? String ?? "?"
        let references = object["references"] as? [[String: Any]] ?? []
        if !references.isEmpty {
            lines.append("")
            lines.append(answerStatus == "clarify" ? "did you mean:" : "references:")
            for reference in references {
                let score = (reference["score"] as? Double).map { String(format: " (%.3f)", $0) } ?? ""
                let namespace = (reference["namespace"] as? String).map { "\($0)/" } ?? ""
                lines.append("  \(namespace)\(reference["id"] ?? "?")\(score)  \(reference["question"] ?? "")")
            }
        }
        let timings = object["timings"] as? [String: Any] ?? [:]
        let pipeline = (timings["pipeline_ms"] as? Double).map { String(format: "%.1f ms", $0) } ?? "-"
        lines.append("")
        lines.append("\(answerStatus) in \(pipeline)\(object["model"].map { " by \($0)" } ?? "")")
        return lines.joined(separator: "\n")
    }
}
