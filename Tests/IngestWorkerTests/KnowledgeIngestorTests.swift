import Foundation
import IngestWorker
import LocalProviders
import RAGCore
import RaglineTestSupport
import Testing

@Suite struct KnowledgeIngestorTests {
    @Test func batchesGoodLinesReportsBadOnesAndReplacesTheFilesEntries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = FolderObjectStore(root: directory.appending("kb"))
        try FileManager.default.createDirectory(atPath: directory.appending("kb/ns"), withIntermediateDirectories: true)
        let index = try LocalVectorIndex(directory: directory.appending("index"))
        let embedder = ScriptedEmbedder()
        let ingestor = KnowledgeIngestor(store: store, embedder: embedder, index: index, batchSize: 2)
        let source = KnowledgeSource(bucket: "local", key: "knowledge/ns/f.jsonl")

        var lines = (1...5).map { #"{"id":"e\#($0)","question":"Question \#($0)?","answer":"Answer \#($0)."}"# }
        lines.insert("not json", at: 2)
        lines.append(#"{"id":"other","question":"Elsewhere?","answer":"Yes.","namespace":"special"}"#)
        try lines.joined(separator: "\n").write(toFile: directory.appending("kb/ns/f.jsonl"), atomically: true, encoding: .utf8)

        let rejected = LockedBox<[Int]>([])
        let report = try await ingestor.ingest(source) { _, error in rejected.withLock { $0.append(error.line) } }
        #expect(report.accepted == 6)
        #expect(report.rejected.map(\.line) == [3])
        #expect(rejected.value == [3])
        #expect(await embedder.calls == 3, "six records in batches of two")
        #expect(try await index.counts() == ["ns": 5, "special": 1])

        try [#"{"id":"e1","question":"Question 1?","answer":"Changed."}"#].joined().write(toFile: directory.appending("kb/ns/f.jsonl"), atomically: true, encoding: .utf8)
        let second = try await ingestor.ingest(source) { _, _ in }
        #expect(second.accepted == 1)
        #expect(second.deleted == 5)
        #expect(second.namespaces == ["ns", "special"], "the namespace the record left needs its model refit too")
        #expect(try await index.counts() == ["ns": 1])
        let vector = try await LexicalEmbedder().embed(["Question 1?"], kind: .query)[0]
        #expect(try await index.query(vector: vector, topK: 1, namespace: "ns").first?.answer == "Changed.")

        let removal = try await ingestor.remove(source)
        #expect(removal.deleted == 1)
        #expect(removal.namespaces == ["ns"])
        #expect(try await index.counts().isEmpty)
    }

    @Test func alternateQuestionsAreVectorsOfTheirEntryAndFollowTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("kb/ns"), withIntermediateDirectories: true)
        let index = try LocalVectorIndex(directory: directory.appending("index"))
        let ingestor = KnowledgeIngestor(store: FolderObjectStore(root: directory.appending("kb")), embedder: LexicalEmbedder(), index: index, batchSize: 8)
        let source = KnowledgeSource(bucket: "local", key: "knowledge/ns/f.jsonl")
        let file = directory.appending("kb/ns/f.jsonl")

        try #"{"id":"bike","question":"Can I bring my bicycle?","answer":"Folding bikes travel free.","alternate_questions":["Are bikes allowed on board?","Cycle on the train"]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await ingestor.ingest(source) { _, _ in }
        #expect(report.accepted == 1)
        #expect(report.namespaces == ["ns"])
        #expect(try await index.counts() == ["ns": 3])
        let vectors = try await index.vectors(in: "ns")
        #expect(vectors.map(\.vectorID) == ["bike", "bike#alt-1", "bike#alt-2"])
        #expect(Set(vectors.map(\.entryID)) == ["bike"])
        let query = try await LexicalEmbedder().embed(["are bikes allowed on board"], kind: .query)[0]
        let best = try #require(try await index.query(vector: query, topK: 1, namespace: "ns").first)
        #expect(best.id == "bike" && best.vectorID == "bike#alt-1" && best.matchedQuestion == "Are bikes allowed on board?")

        // The next version drops an alternate: its vector goes, the entry stays.
        try #"{"id":"bike","question":"Can I bring my bicycle?","answer":"Folding bikes travel free.","alternate_questions":["Cycle on the train"]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let second = try await ingestor.ingest(source) { _, _ in }
        #expect(second.deleted == 1)
        #expect(try await index.vectors(in: "ns").map(\.question) == ["Can I bring my bicycle?", "Cycle on the train"])
    }

    @Test func unreadableObjectIsAPermanentProviderError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ingestor = KnowledgeIngestor(store: FolderObjectStore(root: directory.path), embedder: ScriptedEmbedder(), index: try LocalVectorIndex(directory: directory.appending("i")), batchSize: 8)
        await #expect(throws: ProviderError.self) {
            _ = try await ingestor.ingest(KnowledgeSource(bucket: "local", key: "knowledge/ns/missing.jsonl")) { _, _ in }
        }
    }
}
