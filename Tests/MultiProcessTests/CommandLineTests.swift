import Foundation
import RaglineTestSupport
import Testing

/// The `ragline` user commands, run as a user would.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CommandLineTests {
    @Test func ingestReportsEachFileAndItsBadLines() async throws {
        let directory = try TemporaryDirectory("ragline-cli")
        defer { directory.remove() }
        let file = directory.appending("faq.jsonl")
        try [#"{"id":"a","question":"How do I reset my password?","answer":"Use the link."}"#, "{oops", #"{"id":"b","question":"Q"}"#]
            .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let process = try RaglineProcess(
            name: "ingest", arguments: ["ingest", file, "--namespace", "help"],
            environment: ["RAGLINE_DATA_DIR": directory.appending("data"), "RAGLINE_LOG_LEVEL": "error"], logDirectory: directory.path
        )
        let status = await process.terminate(timeout: .seconds(60), signal: false)
        #expect(status == 0, "\(process.log)")
        #expect(process.log.contains("-> knowledge/help/faq.jsonl: 1 accepted, 2 rejected, 0 removed"), "\(process.log)")
        #expect(process.log.contains("line 2: invalid JSON"))
        #expect(process.log.contains("line 3: missing field \"answer\""))
        #expect(FileManager.default.fileExists(atPath: directory.appending("data/index/help.json")))
    }

    @Test func badConfigurationStopsWithOneLine() async throws {
        let directory = try TemporaryDirectory("ragline-cli")
        defer { directory.remove() }
        let process = try RaglineProcess(
            name: "gateway", arguments: ["gateway"],
            environment: ["RAGLINE_DATA_DIR": directory.path, "KAFKA_BROKERS": "127.0.0.1:1", "KAFKA_PROPERTIES": "novalue"], logDirectory: directory.path
        )
        let status = await process.terminate(timeout: .seconds(30), signal: false)
        #expect(status == 2)
        #expect(process.log.trimmingCharacters(in: .whitespacesAndNewlines) == "ragline: configuration error: KAFKA_PROPERTIES expected key=value, got \"novalue\"")
    }
}

extension CommandLineTests {
    @Test func hostedModelWithoutAKeyStopsAtStart() async throws {
        let directory = try TemporaryDirectory("ragline-cli")
        defer { directory.remove() }
        let process = try RaglineProcess(
            name: "responder", arguments: ["responder"],
            environment: ["RAGLINE_DATA_DIR": directory.path, "KAFKA_BROKERS": "127.0.0.1:1", "RAGLINE_CHAT_MODEL": "openai", "LLM_API_KEY": "", "HF_TOKEN": ""],
            logDirectory: directory.path
        )
        let status = await process.terminate(timeout: .seconds(30), signal: false)
        #expect(status == 2)
        #expect(process.log.contains("ragline: configuration error: LLM_API_KEY (or HF_TOKEN) must be set for https://router.huggingface.co/v1"), "\(process.log)")
    }
}
