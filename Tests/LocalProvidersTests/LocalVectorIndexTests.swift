import Foundation
import LocalProviders
import RAGCore
import Testing

@Suite struct LocalVectorIndexTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("index-\(UUID().uuidString)")

    func entry(_ id: String, _ namespace: String, _ vector: [Float], source: String = "knowledge/a/f.jsonl") -> IndexEntry {
        IndexEntry(id: id, namespace: namespace, vector: vector, question: "Q \(id)", answer: "A \(id)", context: "", source: source)
    }

    @Test func exactCosineRankingAcrossNamespacesAndWithin() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory)
        try await index.upsert([
            entry("x", "one", [1, 0, 0]), entry("y", "one", [0.6, 0.8, 0]),
            entry("z", "two", [0, 0, 1]), entry("w", "two", [0.9, 0.1, 0]),
        ])
        let all = try await index.query(vector: [1, 0, 0], topK: 3, namespace: nil)
        #expect(all.map(\.id) == ["x", "w", "y"])
        #expect(abs(all[0].score - 1) < 1e-6)
        #expect(abs(all[2].score - 0.6) < 1e-6)
        #expect(all[1].namespace == "two")
        let scoped = try await index.query(vector: [1, 0, 0], topK: 5, namespace: "two")
        #expect(scoped.map(\.id) == ["w", "z"])
        #expect(try await index.query(vector: [1, 0, 0], topK: 5, namespace: "missing").isEmpty)
    }

    @Test func persistsAcrossInstancesAndSeesOtherWriters() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try LocalVectorIndex(directory: directory)
        let reader = try LocalVectorIndex(directory: directory)
        try await writer.upsert([entry("a", "ns", [1, 0])])
        #expect(try await reader.query(vector: [1, 0], topK: 1, namespace: nil).first?.id == "a")
        // A later write by another instance is visible to the reader without restarting it.
        try await Task.sleep(for: .milliseconds(20))
        try await writer.upsert([entry("b", "ns", [0, 1])])
        #expect(try await reader.query(vector: [0, 1], topK: 1, namespace: "ns").first?.id == "b")
        let reopened = try LocalVectorIndex(directory: directory)
        #expect(try await reopened.counts() == ["ns": 2])
    }

    @Test func deleteBySourceKeepsListedIdsAndOtherSources() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory)
        try await index.upsert([
            entry("a", "ns", [1, 0], source: "f1"), entry("b", "ns", [1, 0], source: "f1"),
            entry("c", "other", [1, 0], source: "f1"), entry("d", "ns", [1, 0], source: "f2"),
        ])
        let deleted = try await index.deleteEntries(fromSource: "f1", keeping: ["ns": ["a"]])
        #expect(deleted == 2)
        #expect(try await index.counts() == ["ns": 2])
        #expect(try await index.deleteEntries(fromSource: "f2", keeping: [:]) == 1)
        #expect(try await index.namespaces() == ["ns"])
    }
}
