import Foundation
import LocalProviders
import Logging
import RAGCore
import Testing

@Suite struct LexicalEmbedderTests {
    let embedder = LexicalEmbedder()

    func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test func vectorsAreNormalisedAndDeterministic() async throws {
        let vectors = try await embedder.embed(["Is my train delayed?", "Is my train delayed?", ""], kind: .query)
        #expect(vectors[0] == vectors[1])
        #expect(abs(cosine(vectors[0], vectors[0]) - 1) < 1e-5)
        #expect(vectors[2].allSatisfy { $0 == 0 })
        #expect(vectors[0].count == embedder.dimensions)
    }

    @Test func sharedWordsAndStemsScoreHigherThanUnrelatedText() async throws {
        let vectors = try await embedder.embed(["my train was delayed", "what happens if my train is delayed", "what is your return policy"], kind: .query)
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2)
    }
}

@Suite struct ExtractiveChatModelTests {
    let model = ExtractiveChatModel()

    func match(_ id: String, _ score: Double) -> RetrievedMatch {
        RetrievedMatch(id: id, namespace: "n", score: score, question: "Q \(id)", answer: "A \(id)", context: "", source: nil)
    }

    /// AnswerSelector orders the matches best answer first; the model answers with the first, verbatim.
    @Test func selectedEntryAnswersVerbatimWithItsReference() async throws {
        let response = try await model.respond(to: ChatRequest(question: "q", matches: [match("b", 0.6), match("a", 0.9)], messages: []))
        #expect(response.status == .answered)
        #expect(response.text == "A b")
        #expect(response.references == [AnswerReference(id: "b", question: "Q b", namespace: "n", score: 0.6)])
    }

    /// The no-match decision is the selector's; asked with nothing to answer from, the model refuses.
    @Test func nothingToAnswerFromIsAPermanentError() async throws {
        await #expect(throws: ProviderError.self) {
            try await model.respond(to: ChatRequest(question: "q", matches: [], messages: []))
        }
    }
}

@Suite struct FolderObjectStoreTests {
    @Test func streamsLinesOfLargeFilesAndMapsKeys() async throws {
        let root = (NSTemporaryDirectory() as NSString).appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/ns", withIntermediateDirectories: true)
        let lines = (0..<20_000).map { "line \($0) " + String(repeating: "x", count: $0 % 50) }
        try (lines.joined(separator: "\r\n") + "\n").write(toFile: root + "/ns/big.jsonl", atomically: true, encoding: .utf8)
        let store = FolderObjectStore(root: root)
        var read: [String] = []
        for try await line in store.lines(of: KnowledgeSource(bucket: "local", key: "knowledge/ns/big.jsonl")) {
            read.append(String(line))
        }
        #expect(read == lines)
        #expect(store.key(for: URL(fileURLWithPath: root + "/ns/big.jsonl")) == "knowledge/ns/big.jsonl")
        #expect(store.fileURL(for: "knowledge/../etc/passwd") == nil)

        await #expect(throws: ProviderError.self) {
            for try await _ in store.lines(of: KnowledgeSource(bucket: "local", key: "knowledge/ns/missing.jsonl")) {}
        }
    }
}

@Suite struct FolderWatcherTests {
    @Test func reportsCreatedChangedAndRemovedFilesOnce() async throws {
        let root = (NSTemporaryDirectory() as NSString).appendingPathComponent("watch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/kb/ns", withIntermediateDirectories: true)
        let watcher = FolderWatcher(store: FolderObjectStore(root: root + "/kb"), bucket: "local", stateFile: root + "/state.json", interval: .milliseconds(10), logger: Logger(label: "test"))
        let events = EventLog()

        try "a".write(toFile: root + "/kb/ns/a.jsonl", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: root + "/kb/ns/readme.txt", atomically: true, encoding: .utf8)
        var state = await watcher.scanOnce(known: watcher.loadState()) { await events.append($0) }
        #expect(await events.names == ["ObjectCreated:Put knowledge/ns/a.jsonl"])

        state = await watcher.scanOnce(known: state) { await events.append($0) }
        #expect(await events.names.count == 1, "an unchanged folder reports nothing")

        try "ab".write(toFile: root + "/kb/ns/a.jsonl", atomically: true, encoding: .utf8)
        state = await watcher.scanOnce(known: state) { await events.append($0) }
        try FileManager.default.removeItem(atPath: root + "/kb/ns/a.jsonl")
        // A restart reads the saved state: the removal is still reported.
        _ = await watcher.scanOnce(known: watcher.loadState()) { await events.append($0) }
        #expect(await events.names == [
            "ObjectCreated:Put knowledge/ns/a.jsonl", "ObjectCreated:Put knowledge/ns/a.jsonl", "ObjectRemoved:Delete knowledge/ns/a.jsonl",
        ])
    }

    @Test func failedPublishIsRetriedOnTheNextScan() async throws {
        let root = (NSTemporaryDirectory() as NSString).appendingPathComponent("watch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/kb/ns", withIntermediateDirectories: true)
        let watcher = FolderWatcher(store: FolderObjectStore(root: root + "/kb"), bucket: "local", stateFile: root + "/state.json", interval: .milliseconds(10), logger: Logger(label: "test"))
        try "a".write(toFile: root + "/kb/ns/a.jsonl", atomically: true, encoding: .utf8)
        let state = await watcher.scanOnce(known: [:]) { _ in throw CancellationError() }
        #expect(state.isEmpty)
        let events = EventLog()
        _ = await watcher.scanOnce(known: state) { await events.append($0) }
        #expect(await events.names.count == 1)
    }
}

actor EventLog {
    var events: [ObjectEvent] = []
    func append(_ event: ObjectEvent) { events.append(event) }
    var names: [String] { events.map { "\($0.eventName) \($0.key)" } }
}
